"""The role in check mode tells which tags it would push, and writes nothing: not to moto, not to the
registry, not to the Docker config."""

from __future__ import annotations

import pytest
from helpers import Recorder, build_image, local_id, manifest_status, run_play, unique, writes


@pytest.mark.slow
def test_role_check_mode_says_what_it_would_push(moto, registry, dockerd, tmp_path):
    name = unique("checkrole")
    image = build_image(dockerd, "stowage-checkmode:%s" % name.rsplit("-", 1)[-1], "check mode " + name)
    config = tmp_path / "docker" / "config.json"
    role_vars = {
        "ecr_repo_name": name,
        "ecr_repo_image": image,
        "ecr_repo_image_tags": ["latest", "v1"],
        "ecr_repo_registry_url": registry["url"],
        "ecr_repo_docker_config": str(config),
    }
    tasks = [{"name": "role", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": role_vars}]
    env = {"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]}

    # nothing exists yet: check mode reports the repository, the policy and the push, and fails on nothing
    with Recorder(moto) as rec:
        check = run_play(tasks, tmp_path, check=True, env=env)
    assert check.rc == 0, check.failures()
    would = [t["result"] for t in check.tasks if t["name"].endswith("Tags that would be pushed")]
    assert would and would[0]["changed"] is True and "latest, v1" in would[0]["msg"]
    assert writes(rec.operations()) == []
    assert not config.exists()
    assert manifest_status(registry, name, "latest")[0] == 404

    real = run_play(tasks, tmp_path, env=env)
    assert real.rc == 0, real.failures()
    status, digest = manifest_status(registry, name, "v1")
    assert status == 200 and digest == local_id(dockerd, image)

    # everything in place: check mode now reports no change at all
    with Recorder(moto) as rec:
        again = run_play(tasks, tmp_path, check=True, env=env)
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.failures()
    assert writes(rec.operations()) == []
