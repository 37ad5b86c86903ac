"""The role through molecule against the real stack: moto, the Distribution registry with htpasswd
auth holding moto's token password, and a Docker Engine of the session's own."""

from __future__ import annotations

import os
import subprocess

import pytest
from helpers import ROOT, build_image

SCENARIOS = ["default", "immutable"]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario, moto, registry, dockerd, tmp_path):
    image = build_image(dockerd, "stowage-molecule-%s:latest" % scenario, "molecule %s" % scenario)
    env = dict(
        os.environ,
        PATH="%s:/usr/bin:%s" % (ROOT / ".venv" / "bin", os.environ["PATH"]),
        DOCKER_HOST=dockerd["env"]["DOCKER_HOST"],
        STOWAGE_REGISTRY_URL=registry["url"],
        STOWAGE_REGISTRY_PASSWORD=registry["password"],
        STOWAGE_DOCKER_CONFIG=str(tmp_path / "docker" / "config.json"),
        STOWAGE_IMAGE=image,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv"),
        ANSIBLE_NOCOLOR="1",
        NO_COLOR="1",
        MOLECULE_NO_LOG="false",
    )
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "molecule"), "test", "-s", scenario],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    sequence = {"default": ["converge", "idempotence", "verify"], "immutable": ["converge", "idempotence", "side_effect", "verify"]}[scenario]
    for step in sequence:
        assert "[%s > %s] Executed: Successful" % (scenario, step) in output, output[-3000:]
