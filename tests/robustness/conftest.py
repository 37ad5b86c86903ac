"""Fixtures of the robustness tests: the registry and Docker Engine of the local stack (scripts/stack.py),
a fault proxy, and the figures file (tests/output/robustness-figures.json) the tests report into."""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FIGURES = HERE.parent / "output" / "robustness-figures.json"


def record_figures(section: str, data: dict) -> None:
    """Merge ``data`` into the figures file under ``section`` (other sections, from other runs, are kept)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    try:
        figures = json.loads(FIGURES.read_text())
    except (OSError, ValueError):
        figures = {}
    figures[section] = dict(data, recorded_at=datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat())
    tmp = FIGURES.with_suffix(".tmp")
    tmp.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, FIGURES)


@pytest.fixture(autouse=True)
def wall_time(request):
    """Each robustness test's wall time, printed and kept in the figures file."""
    start = time.monotonic()
    yield
    seconds = round(time.monotonic() - start, 1)
    print("\n[wall time] %s: %.1fs" % (request.node.name, seconds))
    try:
        times = json.loads(FIGURES.read_text()).get("wall_seconds", {})
    except (OSError, ValueError):
        times = {}
    times.pop("recorded_at", None)
    times[request.node.name] = seconds
    record_figures("wall_seconds", times)


# the registry and dockerd fixtures come from tests/conftest.py
