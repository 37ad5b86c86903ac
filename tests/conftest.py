"""Fixtures shared by the test suites: the local stack and a way to run playbooks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))
# the unit tests import the collection as ansible_collections.stowage.ecr (linked by `make`)
sys.path.insert(0, str(ROOT / ".venv"))

import stack  # noqa: E402


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """A moto server of the session's own, on a free loopback port; stopped at the end."""
    directory = tmp_path_factory.mktemp("stack")
    record = stack.start_moto(directory)
    saved = dict(os.environ)
    os.environ.update(stack.aws_env(record))
    try:
        yield record
    finally:
        stack.stop(directory)
        os.environ.clear()
        os.environ.update(saved)
