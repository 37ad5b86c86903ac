"""Fixtures shared by the test suites: the local stack and a way to run playbooks."""

from __future__ import annotations

import os
import shutil
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


def _registry(tmp_path_factory, directory_name, **kwargs):
    if not shutil.which("docker-registry", path="/usr/bin:" + os.environ.get("PATH", "")):
        pytest.fail("docker-registry is not installed (scripts/bootstrap.sh installs it)")
    directory = tmp_path_factory.mktemp(directory_name)
    try:
        yield stack.start_registry(directory, **kwargs)
    finally:
        stack.stop(directory)


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A Distribution registry of the session's own on a free loopback port, Basic auth for user AWS with
    moto's token password (123456789012-auth-token); its record (url, host, username, password, ...)."""
    yield from _registry(tmp_path_factory, "registry")


@pytest.fixture(scope="session")
def other_registry(tmp_path_factory):
    """A second registry whose htpasswd holds user AWS with another password than moto's token."""
    yield from _registry(tmp_path_factory, "registry-other", name="registry-other", password="another-registry-password")


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


@pytest.fixture()
def linked_registry(moto, registry, dockerd, tmp_path):
    """moto and the registry as one ECR (image layers through ECR's API land in the registry), and a docker config
    logged in to it: (the registry's record, the config's folder)."""
    from helpers import docker

    link = stack.link_registry(Path(moto["recording"]).parent, registry)
    config = str(tmp_path / "docker-config")
    docker(dockerd, "--config", config, "login", "-u", link["username"], "-p", link["password"], link["host"])
    try:
        yield link, config
    finally:
        Path(moto["recording"]).parent.joinpath("registry-link.json").unlink()


# the tests every entry of the support matrix runs whole (noxfile.py MATRIX_TESTS, selected with -m matrix)
ALWAYS_ON_THE_MATRIX = ("tests/unit/", "tests/packaging/test_build_install.py", "tests/packaging/test_ansible_doc.py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        where = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        if where.startswith(ALWAYS_ON_THE_MATRIX):
            item.add_marker(pytest.mark.matrix)
