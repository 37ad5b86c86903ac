"""Interrupted runs: playbooks/site.yml killed with SIGKILL (the whole process group, as a CI runner
that dies) converges on the next run: the second run succeeds, the lifecycle policy is there and the
image is pushed.

Where the kill lands is decided by watching the calls through fault proxies (with no faults):
- "after CreateRepository": the moment moto has created the repository, before the repository
  module even reads the answer (so right after the repository step's write, before the lifecycle step);
- "during the push": the moment the Docker Engine starts uploading the first layer to the registry.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from conftest import record_figures
from faultproxy import FaultProxy
from helpers import build_image, client, unique
from robustkit import SITE, failed_tasks, image_id, popen_playbook, registry_tag, run_site

KILL_POINTS = {
    "after CreateRepository": ("moto", "CreateRepository"),
    "during the push": ("registry", "POST blob uploads"),
}


class Killer:
    """Kills a process group the first time the watched operation is forwarded."""

    def __init__(self, operation):
        self.operation = operation
        self.proc = None
        self.fired = threading.Event()
        self.at = None

    def __call__(self, operation, status):
        if operation == self.operation and self.proc is not None and not self.fired.is_set():
            self.fired.set()
            self.at = time.monotonic()
            os.killpg(self.proc.pid, signal.SIGKILL)


def group_gone(pgid, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def lifecycle_policy(name):
    try:
        return json.loads(client("ecr").get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
    except client("ecr").exceptions.LifecyclePolicyNotFoundException:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_killed_run_converges_on_the_next_run(kill_point, moto, registry, dockerd, tmp_path):
    name = unique("robust/killed")
    image = build_image(dockerd, "robust-killed:%s" % kill_point.replace(" ", "-").lower(), "killed %s %s" % (kill_point, name))
    config = tmp_path / "docker" / "config.json"
    side, operation = KILL_POINTS[kill_point]
    killer = Killer(operation)

    with FaultProxy(moto["url"], on_forward=killer if side == "moto" else None) as api, FaultProxy(
        registry["url"], on_forward=killer if side == "registry" else None
    ) as registry_proxy:
        role_vars = {
            "ecr_repo_name": name,
            "ecr_repo_image": image,
            "ecr_repo_image_tags": ["latest"],
            "ecr_repo_registry_url": registry_proxy.url,
            "ecr_repo_docker_config": str(config),
            "ecr_repo_tags": {"team": "robustness"},
        }
        vars_file = tmp_path / "vars.json"
        vars_file.write_text(json.dumps(role_vars))
        env = {"AWS_ENDPOINT_URL": api.url, "DOCKER_HOST": dockerd["host"]}
        started = time.monotonic()
        proc = popen_playbook(SITE, ["-e", "@%s" % vars_file], env=env)
        killer.proc = proc
        stdout, stderr = proc.communicate(timeout=300)
        assert killer.fired.is_set(), "the run ended (rc %s) before %s was seen:\n%s" % (proc.returncode, operation, (stdout + stderr)[-3000:])
        assert proc.returncode == -signal.SIGKILL
        assert group_gone(proc.pid), "processes of the killed run are left"
        killed_after = round(killer.at - started, 1)

        # where the kill landed
        exists = bool(client("ecr").describe_repositories(repositoryNames=[name])["repositories"])
        policy_after_kill = lifecycle_policy(name)
        tag_after_kill = registry_tag(registry, name, "latest")
        assert exists
        if kill_point == "after CreateRepository":
            assert policy_after_kill is None, "the kill was meant to land before the lifecycle step"

        second = run_site(role_vars, tmp_path, env={"AWS_ENDPOINT_URL": api.url, "DOCKER_HOST": dockerd["host"]})

    figures = {
        "killed_after_seconds": killed_after,
        "repository_after_kill": exists,
        "lifecycle_policy_after_kill": policy_after_kill is not None,
        "tag_after_kill": tag_after_kill is not None,
        "second_run_rc": second.rc,
        "api_calls": api.figures()["forwarded"],
        "registry_calls": registry_proxy.figures()["forwarded"],
    }
    print("\ninterrupted %s: %s" % (kill_point, json.dumps(figures)))
    record_figures("interrupted " + kill_point, figures)

    assert second.rc == 0, "the run after the kill failed: %s\n%s" % (failed_tasks(second), second.failures())
    repo = client("ecr").describe_repositories(repositoryNames=[name])["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True and repo["encryptionConfiguration"]["encryptionType"] == "AES256"
    arn = repo["repositoryArn"]
    assert {t["Key"]: t["Value"] for t in client("ecr").list_tags_for_resource(resourceArn=arn)["tags"]} == {"team": "robustness"}
    policy = lifecycle_policy(name)
    assert policy is not None and policy["rules"][0]["selection"]["tagStatus"] == "untagged"
    assert registry_tag(registry, name, "latest")["config"]["digest"] == image_id(dockerd, image)
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.json", "config.json.ecr-login.json"], "no temp file left"
