"""Races: four ansible-playbook runs at once converge the same 20 repositories (tags and lifecycle
policies). All succeed: a repository that another run created meanwhile is converged, not an error.
The calls go through the fault proxy with no faults, only to count them (the creates that lost
the race come back as RepositoryAlreadyExistsException)."""

from __future__ import annotations

import json
import time

import pytest
from conftest import record_figures
from faultproxy import FaultProxy
from helpers import unique
from robustkit import finish, fleet, fleet_state_problems, fleet_tasks, item_failures, loop_results, playbook, popen_playbook

RUNS = 4
REPOSITORIES = 20


@pytest.mark.slow
def test_parallel_runs_converge_the_same_repositories(moto, tmp_path):
    prefix = unique("races")
    repos = fleet(prefix, REPOSITORIES)
    path = playbook(fleet_tasks(), tmp_path / "fleet.yml", vars={"repos": repos})
    with FaultProxy(moto["url"], rate=0.0) as proxy:
        started = time.monotonic()
        procs = [popen_playbook(path, env={"AWS_ENDPOINT_URL": proxy.url}) for _run in range(RUNS)]
        plays = [finish(proc) for proc in procs]
        seconds = time.monotonic() - started
        counts = proxy.figures()

    lost_races = {op: n for op, n in counts["upstream_errors"].items() if "AlreadyExists" in op}
    figures = {
        "runs": RUNS,
        "repositories": REPOSITORIES,
        "wall_seconds_parallel": round(seconds, 1),
        "return_codes": [p.rc for p in plays],
        "changed_items_per_run": [sum(1 for t in ("repositories", "lifecycle policies") for r in loop_results(p, t) if r.get("changed")) for p in plays],
        "create_repository_calls": counts["forwarded"].get("CreateRepository", 0),
        "creates_that_lost_the_race": sum(lost_races.values()),
        "forwarded": counts["forwarded"],
        "upstream_errors": counts["upstream_errors"],
    }
    print("\nraces:\n" + json.dumps(figures, indent=2))
    record_figures("races", figures)

    failed = ["run %d:\n%s" % (i, item_failures(p)) for i, p in enumerate(plays) if p.rc != 0]
    assert not failed, "\n".join(failed)
    problems = fleet_state_problems(repos, prefix)
    assert not problems, "\n".join(problems)
    # every repository was created once; the other runs met it, whether before or during their create
    assert (
        counts["upstream_errors"].get("CreateRepository RepositoryAlreadyExistsException", 0) == counts["forwarded"].get("CreateRepository", 0) - REPOSITORIES
    )
    assert not [k for k in counts["upstream_errors"] if not k.endswith(("NotFoundException", "AlreadyExistsException"))], counts["upstream_errors"]
