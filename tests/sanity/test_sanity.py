"""`ansible-test sanity` on a clean copy of the collection, through scripts/sanity.sh."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAIL_LINES = 150


@pytest.mark.slow
def test_ansible_test_sanity():
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "sanity.sh")],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,  # the first run builds ansible-test's virtualenvs (~1.5 min)
        check=False,
    )
    tail = "\n".join(proc.stdout.splitlines()[-TAIL_LINES:])
    assert proc.returncode == 0, "scripts/sanity.sh exited %d; last %d lines of its output:\n%s" % (proc.returncode, TAIL_LINES, tail)
