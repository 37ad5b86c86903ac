"""Fixtures of the robustness tests: the registry and Docker Engine of the local stack (scripts/stack.py),
a fault proxy, and the figures file (tests/output/robustness-figures.json) the tests report into."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
import stack  # scripts/ is on sys.path (tests/conftest.py)

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


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A Distribution registry of the session's own: Basic auth for user AWS with moto's token password."""
    if not shutil.which("docker-registry", path="/usr/bin:" + os.environ.get("PATH", "")):
        pytest.fail("docker-registry is not installed (scripts/bootstrap.sh installs it)")
    directory = tmp_path_factory.mktemp("robust-registry")
    try:
        yield stack.start_registry(directory)
    finally:
        stack.stop(directory)


@pytest.fixture(scope="session")
def dockerd(tmp_path_factory):
    """A Docker Engine of the session's own (root only)."""
    if os.geteuid() != 0 or not shutil.which("dockerd", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")):
        pytest.fail("dockerd needs root and the docker.io package (scripts/bootstrap.sh installs it)")
    directory = tmp_path_factory.mktemp("robust-docker")
    try:
        yield stack.start_dockerd(directory)
    finally:
        stack.stop(directory)
