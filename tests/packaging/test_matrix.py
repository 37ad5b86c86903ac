"""The versions the collection claims are exactly the support matrix that `make test` runs (noxfile.py):
README.md's table, galaxy.yml's dependency ranges and meta/runtime.yml's requires_ansible."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import subprocess
import sys

import yaml
from packaging.version import Version
from tooling import ROOT

BEGIN, END = "<!-- support matrix: made from noxfile.py ENTRIES -->", "<!-- end of support matrix -->"


@functools.cache
def entries():
    spec = importlib.util.spec_from_file_location("stowage_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.ENTRIES


def table() -> str:
    rows = [
        "| entry | Python | ansible | ansible-core | amazon.aws | community.docker | tests |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, e in enumerate(entries()):
        ansible = e.ansible if e.ansible != "-" else "none (core and collections apart)"
        if e.ansible != "-" and e.prerelease:
            ansible = "%s (its collections only)" % e.ansible
        core = "%s (pre-release)" % e.ansible_core if e.prerelease else e.ansible_core
        tests = "the whole suite" if i == 0 else "unit, packaging, the matrix selection of integration"
        rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (e.name, e.python, ansible, core, e.amazon_aws, e.community_docker, tests))
    return "\n".join(rows)


def test_readme_table_is_the_matrix():
    text = (ROOT / "README.md").read_text()
    found = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, "README.md has no support matrix block"
    assert found.group(1).strip() == table(), "README.md's table differs from noxfile.py; it should read:\n" + table()


def _major(version: str) -> int:
    return int(version.split(".", maxsplit=1)[0])


def test_claimed_ranges_are_the_tested_ones():
    all_entries = entries()
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())["dependencies"]
    for collection, attr in (("amazon.aws", "amazon_aws"), ("community.docker", "community_docker")):
        versions = [getattr(e, attr) for e in all_entries]
        lowest = min(versions, key=Version)
        wanted = ">=%s,<%d.0.0" % (lowest, max(_major(v) for v in versions) + 1)
        assert galaxy[collection] == wanted, "galaxy.yml: %s should be %r (the matrix tests %s)" % (collection, wanted, versions)
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    oldest_core = min((e.ansible_core for e in all_entries), key=Version)
    assert runtime["requires_ansible"] == ">=%s.0" % ".".join(oldest_core.split(".")[:2])


def _summary(tmp_path, selected, reports, not_run, ci):
    """scripts/matrix_summary.py on a folder of made-up entry reports: (exit code, output)."""
    tmp_path.mkdir()
    (tmp_path / "selected.json").write_text(json.dumps([{"session": n, "name": n} for n in selected]))
    for name, (passed, failed) in reports.items():
        cases = "<testcase/>" * passed + "<testcase><failure/></testcase>" * failed
        suite = '<testsuite tests="%d" failures="%d" errors="0" skipped="0" time="1.0">%s</testsuite>' % (passed + failed, failed, cases)
        (tmp_path / ("%s.xml" % name)).write_text("<testsuites>%s</testsuites>" % suite)
    for name, reason in not_run.items():
        (tmp_path / ("%s.not-run" % name)).write_text(reason + "\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    cmd = [sys.executable, str(ROOT / "scripts" / "matrix_summary.py"), str(tmp_path), str(tmp_path / "selected.json")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout


def test_summary_every_entry_reports_or_says_why(tmp_path):
    names = ["one", "two", "three"]
    reason = "Python 3.12 not found (scripts/find_python.sh 3.12)"
    rc, out = _summary(tmp_path / "ok", names, {"one": (5, 0), "two": (3, 0), "three": (1, 0)}, {}, ci=True)
    assert rc == 0 and "matrix: 9 passed, 0 failed, 0 skipped" in out, out
    # outside CI an entry that cannot run is a visible skip; under CI it fails the run
    rc, out = _summary(tmp_path / "local", names, {"one": (5, 0), "two": (3, 0)}, {"three": reason}, ci=False)
    assert rc == 0 and "three  NOT RUN: %s" % reason in out and "1 of 3 entries NOT RUN (three)" in out, out
    rc, out = _summary(tmp_path / "ci", names, {"one": (5, 0), "two": (3, 0)}, {"three": reason}, ci=True)
    assert rc == 1 and "under CI every entry must run" in out, out
    # an entry with neither a report nor a reason fails anywhere; so does a failed test
    rc, out = _summary(tmp_path / "silent", names, {"one": (5, 0), "two": (3, 0)}, {}, ci=False)
    assert rc == 1 and "three  NOT RUN: no report" in out, out
    rc, out = _summary(tmp_path / "failed", names, {"one": (5, 0), "two": (3, 1), "three": (1, 0)}, {}, ci=False)
    assert rc == 1 and re.search(r"two +3 passed, 1 failed", out), out
    # under CI an entry that passed no test did not run its tests
    rc, out = _summary(tmp_path / "empty", names, {"one": (5, 0), "two": (0, 0), "three": (1, 0)}, {}, ci=True)
    assert rc == 1 and "ran no test" in out, out
