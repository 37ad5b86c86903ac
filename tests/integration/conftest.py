"""Fixtures of the integration tests: the parts of the local stack beyond moto (see scripts/stack.py)."""

from __future__ import annotations

import os
import shutil

import pytest
import stack  # scripts/ is on sys.path (tests/conftest.py)


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A Distribution registry of the session's own on a free loopback port, Basic auth for user AWS with
    moto's token password (123456789012-auth-token); its record (url, host, username, password, ...)."""
    if not shutil.which("docker-registry", path="/usr/bin:" + os.environ.get("PATH", "")):
        pytest.fail("docker-registry is not installed (scripts/bootstrap.sh installs it)")
    directory = tmp_path_factory.mktemp("registry")
    try:
        yield stack.start_registry(directory)
    finally:
        stack.stop(directory)


@pytest.fixture(scope="session")
def other_registry(tmp_path_factory):
    """A second registry whose htpasswd holds user AWS with another password than moto's token."""
    if not shutil.which("docker-registry", path="/usr/bin:" + os.environ.get("PATH", "")):
        pytest.fail("docker-registry is not installed (scripts/bootstrap.sh installs it)")
    directory = tmp_path_factory.mktemp("registry-other")
    try:
        yield stack.start_registry(directory, name="registry-other", password="another-registry-password")
    finally:
        stack.stop(directory)


@pytest.fixture(scope="session")
def dockerd(tmp_path_factory):
    """A Docker Engine of the session's own (root only); its record (host = unix://..., socket, ...)."""
    if os.geteuid() != 0 or not shutil.which("dockerd", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")):
        pytest.fail("dockerd needs root and the docker.io package (scripts/bootstrap.sh installs it)")
    directory = tmp_path_factory.mktemp("docker")
    try:
        yield stack.start_dockerd(directory)
    finally:
        stack.stop(directory)
