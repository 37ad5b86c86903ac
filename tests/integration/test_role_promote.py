"""The role's promotion (ecr_repo_promote_to): playbooks/site.yml pushes an image, gates on its scan and copies it by
digest to another region and to another repository of the same region, against the real Docker Engine and
registry linked to moto; checked with boto3 there. A re-run changes nothing."""

from __future__ import annotations

import json
import subprocess

import boto3
from helpers import ANSIBLE_PLAYBOOK, REGION, ROOT, PlayResult, ansible_env, build_image, client, unique

COPY_TASK = "Copy the pushed image to the promotion targets"


def site(dockerd, extra: dict, *args: str) -> PlayResult:
    cmd = [ANSIBLE_PLAYBOOK, str(ROOT / "playbooks" / "site.yml"), "-e", json.dumps(extra), *args]
    env = ansible_env({"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]})
    return PlayResult(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False))


def copies(play: PlayResult) -> list[dict]:
    found = [t["result"] for t in play.tasks if t["name"].endswith(COPY_TASK) and "results" in t["result"]]
    return found[0]["results"] if found else []


def test_the_pushed_image_is_copied_to_the_targets_after_the_gate(moto, linked_registry, dockerd, tmp_path):
    record, _config = linked_registry
    name = unique("rolepromote")
    image = build_image(dockerd, "stowage-promote-%s:ci" % name.rsplit("-", 1)[-1], name)
    there = boto3.client("ecr", region_name="eu-west-1")
    there.create_repository(repositoryName=name)
    client("ecr").create_repository(repositoryName=name + "-release")
    extra = {
        "ecr_repo_name": name,
        "ecr_repo_region": REGION,
        "ecr_repo_image": image,
        "ecr_repo_image_tags": ["1.0"],
        "ecr_repo_registry_url": record["url"],
        "ecr_repo_docker_config": str(tmp_path / "docker" / "config.json"),
        "ecr_repo_scan_gate": "CRITICAL",
        "ecr_repo_promote_to": [{"region": "eu-west-1"}, {"region": REGION, "repository": name + "-release", "tags": ["stable"]}],
    }
    checked = site(dockerd, extra, "--check")
    assert checked.rc == 0, checked.failures()
    # check mode pushes nothing, so there is no digest to copy yet
    assert [r["changed"] for r in copies(checked)] == [False, False] and not any("copied" in r for r in copies(checked))
    assert there.describe_images(repositoryName=name)["imageDetails"] == []

    first = site(dockerd, extra)
    assert first.rc == 0, first.failures()
    pushed = client("ecr").describe_images(repositoryName=name, imageIds=[{"imageTag": "1.0"}])["imageDetails"][0]["imageDigest"]
    done = copies(first)
    assert [(c["changed"], c["digest"], c["tags"]) for c in done] == [(True, pushed, ["1.0"]), (True, pushed, ["stable"])]
    assert {d["imageDigest"]: d["imageTags"] for d in there.describe_images(repositoryName=name)["imageDetails"]} == {pushed: ["1.0"]}
    release = client("ecr").describe_images(repositoryName=name + "-release")["imageDetails"]
    assert [(d["imageDigest"], d["imageTags"]) for d in release] == [(pushed, ["stable"])]

    again = site(dockerd, extra)
    assert again.rc == 0, again.failures()
    assert again.stats["localhost"]["changed"] == 0, [t["name"] for t in again.tasks if t["result"].get("changed")]
    assert [c["changed"] for c in copies(again)] == [False, False]
