"""The role's push is digest-aware: a tag moved back to an image whose layers the registry holds already
uploads nothing, and is still a change; a tag that holds the image already is left alone."""

from __future__ import annotations

import pytest
from helpers import build_image, local_id, manifest_status, run_play, unique

DECIDE_TASK = "What the tags hold in the registry, and the login when one is to move"
PUSH_TASK = "Push the tags that do not hold the image yet"


def push_results(play):
    return [t["result"] for t in play.tasks if t["name"].endswith(PUSH_TASK)]


@pytest.mark.matrix
@pytest.mark.slow
def test_a_tag_moved_back_to_pushed_layers_is_a_change(moto, registry, dockerd, tmp_path):
    name = unique("rolemove")
    suffix = name.rsplit("-", 1)[-1]
    image_a = build_image(dockerd, "stowage-move-a:%s" % suffix, "image a " + name)
    image_b = build_image(dockerd, "stowage-move-b:%s" % suffix, "image b " + name)
    id_a, id_b = local_id(dockerd, image_a), local_id(dockerd, image_b)
    env = {"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]}

    def role(image, tags):
        role_vars = {
            "ecr_repo_name": name,
            "ecr_repo_image": image,
            "ecr_repo_image_tags": tags,
            "ecr_repo_registry_url": registry["url"],
            "ecr_repo_docker_config": str(tmp_path / "docker" / "config.json"),
        }
        play = run_play([{"name": "role", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": role_vars}], tmp_path, env=env)
        assert play.rc == 0, play.failures()
        return play

    role(image_a, ["v1", "latest"])
    assert manifest_status(registry, name, "latest") == (200, id_a)
    moved = role(image_b, ["latest"])
    assert push_results(moved)[0]["changed"] and manifest_status(registry, name, "latest") == (200, id_b)

    # back to A: the registry holds A's layers (under v1), so the engine uploads nothing, yet the tag moves
    back = role(image_a, ["latest", "v1"])
    pushed = push_results(back)[0]
    assert pushed["changed"] is True and pushed["pushed"] == ["latest"] and pushed["uploaded"] == []
    assert manifest_status(registry, name, "latest") == (200, id_a) and manifest_status(registry, name, "v1") == (200, id_a)

    # in place: nothing to push, nothing changed: the decision finds every tag holding the image, and no push runs
    # (the push step is not even included)
    again = role(image_a, ["latest", "v1"])
    assert again.stats["localhost"]["changed"] == 0
    [decided] = [t["result"] for t in again.tasks if t["name"].endswith(DECIDE_TASK)]
    assert decided["to_push"] == [] and decided["changed"] is False
    assert all(result.get("skipped") is True for result in push_results(again))


def test_a_refused_login_fails_the_role_with_a_readable_message(moto, other_registry, dockerd, tmp_path):
    """The registry refuses moto's token: the role's failure says so, naming the registry, instead of a
    message censored by no_log; the token itself appears nowhere in the output."""
    name = unique("rolelogin")
    image = build_image(dockerd, "stowage-login:%s" % name.rsplit("-", 1)[-1], "login " + name)
    role_vars = {
        "ecr_repo_name": name,
        "ecr_repo_image": image,
        "ecr_repo_registry_url": other_registry["url"],
        "ecr_repo_docker_config": str(tmp_path / "docker" / "config.json"),
    }
    env = {"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]}
    play = run_play(
        [{"name": "role", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": role_vars}], tmp_path, extra_args=["-vvv"], env=env
    )
    assert play.rc != 0
    failed = [t["result"] for t in play.tasks if t["result"].get("failed")]
    assert failed and other_registry["host"] in failed[0]["msg"], failed
    assert "censored" not in failed[0]["msg"] and "no_log" not in failed[0]["msg"]
    assert "123456789012-auth-token" not in play.stdout + play.stderr
