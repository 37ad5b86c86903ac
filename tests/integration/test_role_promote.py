"""The role's promotion (ecr_repo_promote_to): playbooks/site.yml pushes an image, gates on its scan and copies it by
digest to another region and to another repository of the same region, against the real Docker Engine and
registry linked to moto; checked with boto3 there. A re-run changes nothing."""

from __future__ import annotations

import json
import subprocess

import boto3
from helpers import ANSIBLE_PLAYBOOK, REGION, ROOT, PlayResult, ansible_env, build_image, client, ecr_as, unique

COPY_TASK = "Copy the pushed image to the promotion targets"


def site(dockerd, extra: dict, *args: str, env: dict | None = None) -> PlayResult:
    cmd = [ANSIBLE_PLAYBOOK, str(ROOT / "playbooks" / "site.yml"), "-e", json.dumps(extra), *args]
    env = ansible_env(dict(env or {}, DOCKER_HOST=dockerd["env"]["DOCKER_HOST"]))
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


def test_the_pushed_image_is_copied_into_another_account_with_a_role_and_with_a_profile(moto, linked_registry, dockerd, tmp_path):
    record, _config = linked_registry
    name = unique("rolepromote-x")
    other, role = "222222222222", "arn:aws:iam::222222222222:role/promoter"
    image = build_image(dockerd, "stowage-promote-%s:ci" % name.rsplit("-", 1)[-1], name)
    # the pushed repository lets the other account pull (its credentials read the source)
    client("ecr").create_repository(repositoryName=name)
    statement = {
        "Sid": "promote",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % other},
        "Action": ["ecr:BatchGetImage", "ecr:Describe*", "ecr:GetDownloadUrlForLayer", "ecr:ListImageReferrers"],
    }
    client("ecr").set_repository_policy(repositoryName=name, policyText=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    there = {region: ecr_as(role, region) for region in ("eu-west-1", "us-east-2")}
    for ecr in there.values():
        ecr.create_repository(repositoryName=name)
    # a profile that is the other account's role, taken from the base profile's keys
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "credentials").write_text("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    (aws / "config").write_text("[profile promoter]\nrole_arn = %s\nsource_profile = base\nregion = us-east-2\n" % role)
    env = {"AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}
    extra = {
        "ecr_repo_name": name,
        "ecr_repo_region": REGION,
        "ecr_repo_image": image,
        "ecr_repo_image_tags": ["2.0"],
        "ecr_repo_registry_url": record["url"],
        "ecr_repo_docker_config": str(tmp_path / "docker" / "config.json"),
        "ecr_repo_promote_to": [{"region": "eu-west-1", "assume_role_arn": role}, {"region": "us-east-2", "profile": "promoter", "tags": ["stable"]}],
    }
    first = site(dockerd, extra, env=env)
    assert first.rc == 0, [c.get("msg") for c in copies(first)]
    pushed = client("ecr").describe_images(repositoryName=name, imageIds=[{"imageTag": "2.0"}])["imageDetails"][0]["imageDigest"]
    assert [(c["changed"], c["digest"], c["tags"]) for c in copies(first)] == [(True, pushed, ["2.0"]), (True, pushed, ["stable"])]
    for region, tags in (("eu-west-1", ["2.0"]), ("us-east-2", ["stable"])):
        assert {d["imageDigest"]: d["imageTags"] for d in there[region].describe_images(repositoryName=name)["imageDetails"]} == {pushed: tags}
    # nothing in this account's registry of those regions
    for region in there:
        assert name not in [r["repositoryName"] for r in boto3.client("ecr", region_name=region).describe_repositories()["repositories"]]

    again = site(dockerd, extra, env=env)
    assert again.rc == 0, again.failures()
    assert [c["changed"] for c in copies(again)] == [False, False]
