"""Throttling and server faults: with 30% of the API requests failing (throttled, 500, 503,
dropped before or after upstream saw them), converging 20 repositories with tags and lifecycle
policies succeeds, leaves moto in the requested state, and a second run changes nothing."""

from __future__ import annotations

import json

import pytest
from conftest import record_figures
from faultproxy import FaultProxy
from helpers import run_play, unique
from robustkit import fleet, fleet_state_problems, fleet_tasks, item_failures, loop_results

FAULT_RATE = 0.3
SEED = 20261126
REPOSITORIES = 20


@pytest.mark.slow
def test_converge_under_faults(moto, tmp_path):
    prefix = unique("faults")
    repos = fleet(prefix, REPOSITORIES)
    runs = {}
    with FaultProxy(moto["url"], rate=FAULT_RATE, seed=SEED) as proxy:
        env = {"AWS_ENDPOINT_URL": proxy.url}
        first = run_play(fleet_tasks(), tmp_path, diff=False, env=env, vars={"repos": repos})
        runs["first"] = proxy.figures()
        proxy.reset_counts()
        second = run_play(fleet_tasks(), tmp_path, diff=False, env=env, vars={"repos": repos}) if first.rc == 0 else None
        runs["second"] = proxy.figures()

    figures = {
        "fault_rate": FAULT_RATE,
        "seed": SEED,
        "repositories": REPOSITORIES,
        "first_run_rc": first.rc,
        "second_run_rc": second.rc if second else None,
        "runs": runs,
        "first_run_changed_items": sum(1 for t in ("repositories", "lifecycle policies") for r in loop_results(first, t) if r.get("changed")),
        "injected_total": runs["first"]["injected_total"] + runs["second"]["injected_total"],
    }
    print("\nfaults and calls through the proxy:\n" + json.dumps(figures, indent=2))
    record_figures("faults", figures)

    assert first.rc == 0, "the first run failed under faults:\n" + item_failures(first)
    assert runs["first"]["injected_total"] > 0 and set(runs["first"]["injected"]) == {"throttle", "error500", "error503", "drop", "lost"}
    # the final state, asked of moto directly (not through the proxy)
    problems = fleet_state_problems(repos, prefix)
    assert not problems, "\n".join(problems)
    # (a create whose answer was lost is retried, meets RepositoryAlreadyExistsException and converges
    # the repository it made itself: that item reads as unchanged, which is why changed counts are not asserted)
    # the second run, under the same fault rate, changes nothing
    assert second.rc == 0, "the second run failed under faults:\n" + item_failures(second)
    changed = [(task, r["item"]["name"]) for task in ("repositories", "lifecycle policies") for r in loop_results(second, task) if r.get("changed")]
    assert changed == [], "the second run reported changes: %s" % changed
    assert runs["second"]["injected_total"] > 0
    assert not any(op.startswith(("Create", "Put", "Tag", "Untag", "Set", "Delete")) for op in runs["second"]["forwarded"]), runs["second"]["forwarded"]
    assert fleet_state_problems(repos, prefix) == []
