"""Prints one line per support-matrix entry that nox was asked to run, then the totals.

Usage: python scripts/matrix_summary.py tests/output/matrix SELECTED.json
SELECTED.json is what `nox --list --json` printed for the same arguments (scripts/test.sh writes it): the
entries that must report. Each entry's line comes from its pytest JUnit report (<entry>.xml), or says that
it did not run, with the reason the noxfile left in <entry>.not-run, or that it did not report at all.

Exits 1 when a report is unreadable or holds a failure or error, or when an entry left neither a report nor
a reason. An entry that could not run (its Python missing) is printed as NOT RUN and named in the totals;
under CI (CI=true) it fails the run, as does an entry whose report holds no passed test: there every entry
must run.
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def selected_entries(path: Path) -> list[str]:
    sessions = json.loads(path.read_text())
    return [s["name"] for s in sessions if s.get("selected", True)]


def read_report(report: Path) -> dict[str, float] | str:
    """The counts of one JUnit report, or why they cannot be read."""
    try:
        suite = ET.parse(report).getroot()
    except ET.ParseError as e:
        return "unreadable report: %s" % e
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    if suite is None:
        return "unreadable report: no testsuite element"
    tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    return {"passed": tests - failures - errors - skipped, "failed": failures + errors, "skipped": skipped, "time": float(suite.get("time", 0))}


def main(folder: str, selected: str) -> int:
    ci = in_ci()
    out = Path(folder)
    names = selected_entries(Path(selected))
    if not names:
        print("matrix: no entry was selected")
        return 1
    width = max([len(n) for n in names] + [6])
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    not_run: list[str] = []
    bad = 0
    for name in names:
        report, skip = out / ("%s.xml" % name), out / ("%s.not-run" % name)
        if report.exists():
            counts = read_report(report)
            if isinstance(counts, str):
                print("%-*s %s" % (width, name, counts))
                bad = 1
                continue
            print("%-*s %4d passed, %d failed, %d skipped in %.0f s" % (width, name, counts["passed"], counts["failed"], counts["skipped"], counts["time"]))
            for key in totals:
                totals[key] += int(counts[key])
            if counts["failed"]:
                bad = 1
            elif ci and counts["passed"] == 0:
                print("%-*s ran no test: under CI every entry must run its tests" % (width, ""))
                bad = 1
        elif skip.exists():
            print("%-*s NOT RUN: %s" % (width, name, skip.read_text().strip()))
            not_run.append(name)
            bad = bad or int(ci)
        else:
            print("%-*s NOT RUN: no report (the entry stopped before its tests; see nox's output above)" % (width, name))
            not_run.append(name)
            bad = 1
    line = "matrix: %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % totals
    if not_run:
        line += "; %d of %d entries NOT RUN (%s)" % (len(not_run), len(names), ", ".join(not_run))
        if ci:
            line += ": under CI every entry must run"
    print(line)
    return bad


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python scripts/matrix_summary.py FOLDER SELECTED.json")
    sys.exit(main(sys.argv[1], sys.argv[2]))
