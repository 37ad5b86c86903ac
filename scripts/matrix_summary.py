"""Prints one line per support-matrix entry from its pytest JUnit report, then the totals.

Usage: python scripts/matrix_summary.py tests/output/matrix
Exits 1 when a report is unreadable or holds a failure or error.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(folder: str) -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    bad = 0
    reports = sorted(Path(folder).glob("*.xml"))
    for report in reports:
        try:
            suite = ET.parse(report).getroot()
        except ET.ParseError as e:
            print("%-11s unreadable report: %s" % (report.stem, e))
            bad = 1
            continue
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        passed = tests - failures - errors - skipped
        print("%-11s %4d passed, %d failed, %d skipped in %.0f s" % (report.stem, passed, failures + errors, skipped, float(suite.get("time", 0))))
        totals["passed"] += passed
        totals["failed"] += failures + errors
        totals["skipped"] += skipped
        bad = bad or int(failures + errors > 0)
    if not reports:
        print("matrix: no entry ran a test")
        return 1
    print("matrix: %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % totals)
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
