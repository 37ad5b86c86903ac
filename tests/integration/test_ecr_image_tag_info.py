"""ecr_image_tag_info through ansible-playbook: what tags hold in the stack's registry, which a push of a local
image would move, and which the repository's tag mutability (with exclusion filters) would refuse."""

from __future__ import annotations

import pytest
from helpers import Recorder, build_image, docker, local_id, run_play, unique, writes

ACCOUNT = "123456789012"


def info(label, config, check=False, **args):
    task = {"name": label, "stowage.ecr.ecr_image_tag_info": dict(args, config_path=str(config)), "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


@pytest.fixture
def held(moto, registry, dockerd, tmp_path):
    """A repository (IMMUTABLE_WITH_EXCLUSION, `latest` excluded) whose tags latest and v1 hold image A; image B is local only."""
    name = unique("taginfo")
    config = tmp_path / "dockercfg" / "config.json"
    setup = run_play(
        [
            {
                "name": "repo",
                "stowage.ecr.ecr_repository": {
                    "name": name,
                    "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                    "image_tag_mutability_exclusion_filters": ["latest"],
                },
            },
            {"name": "login", "stowage.ecr.ecr_login": {"registry_url": registry["url"], "config_path": str(config)}},
        ],
        tmp_path,
    )
    assert setup.rc == 0, setup.failures()
    suffix = name.rsplit("-", 1)[-1]
    image_a = build_image(dockerd, "stowage-taginfo-a:%s" % suffix, "a " + name)
    image_b = build_image(dockerd, "stowage-taginfo-b:%s" % suffix, "b " + name)
    for tag in ("latest", "v1"):
        target = "%s/%s:%s" % (registry["host"], name, tag)
        docker(dockerd, "tag", image_a, target)
        docker(dockerd, "--config", str(config.parent), "push", target)
    return {"name": name, "config": config, "a": local_id(dockerd, image_a), "b": local_id(dockerd, image_b)}


@pytest.mark.slow
def test_what_tags_hold_and_what_a_push_would_move(held, moto, registry, tmp_path):
    name, config = held["name"], held["config"]
    tags = ["latest", "v1", "v2"]
    common = {"repository": name, "tags": tags, "registry_url": registry["url"]}
    tasks = [
        info("plain", config, **common),
        info("b", config, image_id=held["b"], **common),
        info("a", config, image_id=held["a"], registry_id=ACCOUNT, **common),
        info("b checked", config, check=True, image_id=held["b"], **common),
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert writes(rec.operations()) == []

    plain = play["plain"]
    assert plain["changed"] is False and plain["registry"] == registry["host"]
    assert plain["image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    by_tag = {t["tag"]: t for t in plain["tags"]}
    assert [t["tag"] for t in plain["tags"]] == tags
    assert by_tag["latest"]["exists"] and by_tag["latest"]["config_digest"] == held["a"]
    assert by_tag["latest"]["digest"].startswith("sha256:") and by_tag["latest"]["digest"] == by_tag["v1"]["digest"]
    assert by_tag["v2"] == {"tag": "v2", "exists": False, "digest": None, "config_digest": None, "media_type": None}
    assert plain["to_push"] == [] and plain["conflicts"] == []

    # B would move all three tags; v1 is immutable (only latest is excluded), so it is a conflict
    assert play["b"]["to_push"] == tags and play["b"]["conflicts"] == ["v1"]
    # A is in place under latest and v1: only the new tag needs a push
    assert play["a"]["to_push"] == ["v2"] and play["a"]["conflicts"] == []
    # check mode reads the same, and reports no change
    assert {k: play["b checked"][k] for k in ("tags", "to_push", "conflicts")} == {k: play["b"][k] for k in ("tags", "to_push", "conflicts")}
    assert play["b checked"]["changed"] is False


@pytest.mark.slow
def test_missing_repository_login_and_bad_input(held, registry, tmp_path):
    name, config = held["name"], held["config"]
    nowhere = unique("taginfo-none")
    empty = tmp_path / "empty" / "config.json"
    empty.parent.mkdir()
    empty.write_text("{}")
    url = registry["url"]
    tasks = [
        info("no repository", config, repository=nowhere, tags=["latest"], registry_url=url),
        info("no repository, check", config, check=True, repository=nowhere, tags=["latest"], registry_url=url),
        info("no login", empty, repository=name, tags=["latest"], registry_url=url),
        info("no login, check", empty, check=True, repository=name, tags=["latest"], registry_url=url),
        info("bad image id", config, repository=name, tags=["latest"], registry_url=url, image_id="sha256:abc"),
        info("bad repository", config, repository="Team/App", tags=["latest"], registry_url=url),
        info("bad tag", config, repository=name, tags=[".hidden"], registry_url=url),
        info("bad registry id", config, repository=name, tags=["latest"], registry_url=url, registry_id="12345"),
        info("bad registry url", config, repository=name, tags=["latest"], registry_url="http://registry.example.com"),
    ]
    play = run_play(tasks, tmp_path)
    assert play["no repository"]["failed"] and play["no repository"]["msg"].startswith("repository: %s does not exist" % nowhere)
    check = play["no repository, check"]
    assert not check.get("failed") and check["tags"][0]["exists"] is False and check["to_push"] == []
    assert play["no login"]["failed"] and "holds no login for %s" % registry["host"] in play["no login"]["msg"]
    assert play["no login"]["msg"].startswith("config_path:")
    login_check = play["no login, check"]
    assert not login_check.get("failed") and login_check["tags"][0]["exists"] is False
    assert any("No login for %s" % registry["host"] in w for w in login_check.get("warnings", []))
    for label, prefix in (
        ("bad image id", "image_id:"),
        ("bad repository", "repository:"),
        ("bad tag", "tags:"),
        ("bad registry id", "registry_id:"),
        ("bad registry url", "registry_url:"),
    ):
        assert play[label]["failed"] and play[label]["msg"].startswith(prefix), (label, play[label]["msg"])


def test_repository_name_is_an_alias_of_repository(held, registry, tmp_path):
    """repository_name, as the other image modules take it, reads the same repository as repository."""
    name, config, url = held["name"], held["config"], registry["url"]
    play = run_play(
        [
            info("by repository", config, repository=name, tags=["latest", "v9"], registry_url=url),
            info("by repository_name", config, repository_name=name, tags=["latest", "v9"], registry_url=url),
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    by_name = play["by repository_name"]
    assert not by_name.get("failed"), by_name.get("msg")
    assert by_name["tags"] == play["by repository"]["tags"]
    assert [t["exists"] for t in by_name["tags"]] == [True, False]
