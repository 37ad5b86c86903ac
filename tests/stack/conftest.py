"""Fixtures of the stack's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import stack
from helpers import docker


@pytest.fixture()
def linked(moto, registry, dockerd, tmp_path):
    """The session's moto and registry linked (stack.link_registry), and a Docker client config logged in to the
    registry: (the registry's record, the config directory). Unlinked again afterwards."""
    record = stack.link_registry(Path(moto["recording"]).parent, registry)
    config = str(tmp_path / "docker")
    docker(dockerd, "--config", config, "login", "-u", record["username"], "-p", record["password"], record["host"])
    yield record, config
    (Path(moto["recording"]).parent / "registry-link.json").unlink()
