"""ecr_image_push through ansible-playbook: a real Docker Engine pushes to the stack's registry with the
login ecr_login wrote (from moto's token); what the registry holds afterwards is read over its HTTP API."""

from __future__ import annotations

import boto3
import pytest
from helpers import REGION, Recorder, build_image, docker, local_id, manifest_status, run_play, unique, writes

MARKER = "running in process on the controller"


@pytest.fixture
def pushing(moto, registry, dockerd, tmp_path):
    """A Docker config logged in to the registry by ecr_login, and a helper that builds and tags an image."""
    config = tmp_path / "dockercfg" / "config.json"
    login = run_play([{"name": "login", "stowage.ecr.ecr_login": {"registry_url": registry["url"], "config_path": str(config)}}], tmp_path)
    assert login.rc == 0, login.failures()

    def image(repository, tags):
        source = build_image(dockerd, "stowage-push-src:%s" % repository.rsplit("-", 1)[-1], "push " + repository)
        name = "%s/%s" % (registry["host"], repository)
        for tag in tags:
            docker(dockerd, "tag", source, "%s:%s" % (name, tag))
        return name, local_id(dockerd, source)

    return {"config": config, "image": image, "env": {"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]}}


def push(label, config, check=False, **args):
    task = {"name": label, "stowage.ecr.ecr_image_push": args, "environment": {"DOCKER_CONFIG": str(config.parent)}}
    if check:
        task["check_mode"] = True
    return task


@pytest.mark.slow
def test_push_check_real_check_real(pushing, registry, tmp_path):
    repository = unique("push")
    name, image_id = pushing["image"](repository, ["latest", "v1"])
    task = push("p", pushing["config"], name=name, tags=["latest", "v1"])
    check = push("p", pushing["config"], check=True, name=name, tags=["latest", "v1"])
    env = pushing["env"]

    first_check = run_play([check], tmp_path, env=env)
    assert first_check.rc == 0, first_check.failures()
    assert first_check["p"]["skipped"] and first_check["p"]["pushed"] == []
    assert manifest_status(registry, repository, "latest")[0] == 404

    real = run_play([task], tmp_path, env=env)
    assert real.rc == 0, real.failures()
    result = real["p"]
    assert result["changed"] is True and result["pushed"] == ["latest", "v1"] and result["uploaded"][0] == "latest"
    assert result["image_id"] == image_id and result["name"] == name
    for tag in ("latest", "v1"):
        assert manifest_status(registry, repository, tag) == (200, image_id)

    again_check = run_play([check], tmp_path, env=env)
    assert again_check.rc == 0 and again_check["p"]["skipped"] and not again_check["p"]["changed"]

    again = run_play([task], tmp_path, env=env)
    assert again.rc == 0, again.failures()
    assert again["p"]["changed"] is False and again["p"]["uploaded"] == [] and again["p"]["pushed"] == ["latest", "v1"]
    assert manifest_status(registry, repository, "v1") == (200, image_id)


@pytest.mark.slow
def test_a_missing_tag_stops_the_task_before_the_first_push(pushing, registry, tmp_path):
    repository = unique("pushmiss")
    name = pushing["image"](repository, ["latest"])[0]
    tasks = [
        push("check", pushing["config"], check=True, name=name, tags=["latest", "absent"]),
        push("real", pushing["config"], name=name, tags=["latest", "absent"]),
        push("first missing", pushing["config"], name=name, tags=["absent", "latest"]),
    ]
    for task in tasks:
        task["ignore_errors"] = True
    play = run_play(tasks, tmp_path, env=pushing["env"])
    for task in ("check", "real"):
        assert play[task]["failed"], play[task]
        assert play[task]["msg"].startswith("tags:") and "%s:absent" % name in play[task]["msg"] and "Nothing was pushed" in play[task]["msg"]
    assert play["first missing"]["failed"] and play["first missing"]["pushed"] == []
    assert "absent" in play["first missing"]["msg"]
    assert manifest_status(registry, repository, "latest")[0] == 404


@pytest.mark.slow
def test_bad_input_fails_before_any_push(pushing, registry, tmp_path):
    repository = unique("pushbad")
    name = pushing["image"](repository, ["latest"])[0]
    host = registry["host"]
    cases = {
        "tag in name": ({"name": name + ":latest"}, "name: '%s:latest' holds a tag" % name),
        "digest in name": ({"name": name + "@sha256:" + "0" * 64}, "holds a digest"),
        "no registry host": ({"name": repository}, "names no registry host"),
        "no repository": ({"name": host + "/"}, "names no repository"),
        "upper-case repository": ({"name": host + "/Team/App"}, "not a valid repository name"),
        "bad port": ({"name": "127.0.0.1:99999/" + repository}, "port that is not a number from 1 to 65535"),
        "bad tag": ({"name": name, "tags": ["latest", "-bad"]}, "tags: '-bad' is not an image tag"),
        "tag listed twice": ({"name": name, "tags": ["latest", "v1", "latest"]}, "tags: latest listed more than once"),
        "unknown option": ({"name": name, "tag": "latest"}, "Unsupported parameters for (stowage.ecr.ecr_image_push) module: tag"),
        "no name": ({"tags": ["latest"]}, "missing required arguments: name"),
        "cert without key": ({"name": name, "client_cert": "/tmp/cert.pem"}, "parameters are required together: client_cert, client_key"),
    }
    tasks = [dict(push(label, pushing["config"], **case[0]), ignore_errors=True) for label, case in cases.items()]
    play = run_play(tasks, tmp_path, env=pushing["env"])
    for label, (_args, phrase) in cases.items():
        assert play[label]["failed"], label
        assert phrase in play[label]["msg"], (label, play[label]["msg"])
    assert manifest_status(registry, repository, "latest")[0] == 404


@pytest.mark.slow
def test_without_a_login_the_push_fails_and_says_so(pushing, registry, tmp_path):
    repository = unique("pushnologin")
    name = pushing["image"](repository, ["latest"])[0]
    empty = tmp_path / "nologin" / "config.json"
    empty.parent.mkdir()
    empty.write_text("{}")
    play = run_play([dict(push("p", empty, name=name), ignore_errors=True)], tmp_path, env=pushing["env"])
    result = play["p"]
    assert result["failed"] and result["pushed"] == []
    assert result["msg"].startswith("Pushing %s:latest failed" % name) and "no basic auth credentials" in result["msg"]
    assert "registry %s wants a login: log in with stowage.ecr.ecr_login" % registry["host"] in result["msg"]
    assert manifest_status(registry, repository, "latest")[0] == 404


@pytest.mark.slow
def test_docker_host_option_default_and_empty_tags(pushing, registry, dockerd, tmp_path):
    repository = unique("pushhost")
    name, image_id = pushing["image"](repository, ["v2", "latest"])
    engine = dockerd["host"]
    tasks = [
        push("p", pushing["config"], name=name, tags=["v2"], docker_host=engine),
        push("none", pushing["config"], name=name, tags=[], docker_host=engine),
        push("default", pushing["config"], name=name, docker_host=engine),
        push("null", pushing["config"], name=name, tags=None, docker_host=engine),
    ]
    # the environment names a socket that does not exist: only the option leads to the engine
    play = run_play(tasks, tmp_path, env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert play.rc == 0, play.failures()
    assert play["p"]["pushed"] == ["v2"] and play["p"]["image_id"] == image_id
    assert play["none"]["changed"] is False and play["none"]["pushed"] == []
    assert play["default"]["pushed"] == ["latest"] and play["null"]["pushed"] == ["latest"]
    assert manifest_status(registry, repository, "v2") == (200, image_id)
    assert manifest_status(registry, repository, "latest") == (200, image_id)


@pytest.mark.slow
def test_in_process_and_module_process_push_alike(pushing, registry, tmp_path):
    results = {}
    for mode, env in (("separate", {"STOWAGE_ECR_IN_PROCESS": "0"}), ("in process", {})):
        repository = unique("pushmode")
        name, image_id = pushing["image"](repository, ["latest", "v1"])
        play = run_play([push("p", pushing["config"], name=name, tags=["latest", "v1"])], tmp_path, extra_args=["-vvv"], env=dict(pushing["env"], **env))
        assert play.rc == 0, play.failures()
        output = play.stdout + play.stderr
        assert (MARKER in output) is (mode == "in process")
        assert ("AnsiballZ_docker_image_push" in output) is (mode == "separate")
        assert manifest_status(registry, repository, "v1") == (200, image_id)
        results[mode] = {k: v for k, v in play["p"].items() if k not in ("name", "image_id")}
        assert play["p"]["image_id"] == image_id
    assert results["separate"] == results["in process"]


@pytest.mark.slow
def test_with_repository_one_task_decides_logs_in_and_pushes_only_what_moved(moto, registry, dockerd, tmp_path):
    """source + repository: what the tags hold is read with a token that is not stored; in place, nothing is
    written (no login, no tag, no push, nothing to ECR); otherwise the login, the local tags and the pushes."""
    repository = unique("decide")
    source = build_image(dockerd, "stowage-decide:%s" % repository.rsplit("-", 1)[-1], "decide " + repository)
    image_id = local_id(dockerd, source)
    config = tmp_path / "dockercfg" / "config.json"
    args = {"source": source, "repository": repository, "tags": ["latest", "v1"], "registry_url": registry["url"], "config_path": str(config)}
    env = {"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]}
    ecr = boto3.client("ecr", region_name=REGION)

    with Recorder(moto) as rec:
        check = run_play([push("p", config, check=True, **args)], tmp_path, env=env)
    assert check.rc == 0, check.failures()
    assert check["p"]["skipped"] and check["p"]["to_push"] == ["latest", "v1"] and check["p"]["image_id"] == image_id
    assert writes(rec.operations()) == [] and "GetAuthorizationToken" in rec.operations() and not config.exists()

    ecr.create_repository(repositoryName=repository)
    real = run_play([push("p", config, **args)], tmp_path, env=env)
    assert real.rc == 0, real.failures()
    result = real["p"]
    assert result["changed"] is True and result["pushed"] == ["latest", "v1"] and result["login"]["changed"] is True
    assert result["name"] == "%s/%s" % (registry["host"], repository) and config.exists()
    assert [(t["tag"], t["config_digest"]) for t in result["tags"]] == [("latest", image_id), ("v1", image_id)]
    assert manifest_status(registry, repository, "v1") == (200, image_id)

    # in place: nothing is written, not even the login (the config is gone and stays gone)
    config.unlink()
    with Recorder(moto) as rec:
        again = run_play([push("p", config, **args)], tmp_path, env=env)
    assert again.rc == 0, again.failures()
    assert again["p"]["skipped"] is True and not again["p"]["changed"] and again["p"]["pushed"] == [] and again["p"]["to_push"] == []
    assert writes(rec.operations()) == [] and not config.exists()

    # push: false decides and logs in only when a tag is to move
    other = build_image(dockerd, "stowage-decide-other:%s" % repository.rsplit("-", 1)[-1], "other " + repository)
    moved = {key: value for key, value in args.items() if key not in ("source", "tags")}
    decided = run_play([push("p", config, source=other, tags=["v1", "v2"], push=False, **moved)], tmp_path, env=env)
    assert decided.rc == 0, decided.failures()
    assert decided["p"]["to_push"] == ["v1", "v2"] and decided["p"]["pushed"] == [] and config.exists()
    assert manifest_status(registry, repository, "v1") == (200, image_id)
    ecr.delete_repository(repositoryName=repository, force=True)
