"""playbooks/promote.yml on the stack: a signed two-architecture index promoted along three stages in three regions,
one of them in another account reached with a role (the documented inventory shape), a gated stage refusing the
copy until the image is scanned, the digests at the end of the chain checked with boto3."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import boto3
import yaml
from helpers import ANSIBLE_PLAYBOOK, REGION, ROOT, PlayResult, ansible_env, ecr_as, unique
from test_ecr_image_copy import push_signed_index

STAGES = (("dev", REGION), ("staging", "eu-west-1"), ("prod", "us-east-2"))
# staging is another account, reached with a role
STAGING_ACCOUNT = "222222222222"
STAGING_ROLE = "arn:aws:iam::%s:role/promoter" % STAGING_ACCOUNT


def promote(inventory: Path, image: str, check: bool = False, env: dict[str, str] | None = None) -> PlayResult:
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(ROOT / "playbooks" / "promote.yml"), "-e", "ecr_promote_image=" + image, "--diff"]
    proc = subprocess.run(cmd + (["--check"] if check else []), cwd=ROOT, env=ansible_env(env), capture_output=True, text=True, timeout=600, check=False)
    return PlayResult(proc)


def ecr(region: str):
    """The ECR client of a stage: staging's through its role."""
    if region != "eu-west-1":
        return boto3.client("ecr", region_name=region)
    return ecr_as(STAGING_ROLE, region)


def images(region: str, name: str) -> dict:
    details = ecr(region).describe_images(repositoryName=name)["imageDetails"]
    return {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in details}


def test_an_image_goes_along_the_stages_of_accounts_and_regions_gated_where_a_stage_says(linked_registry, dockerd, tmp_path):
    record, config = linked_registry
    name = unique("promote") + "/app"
    for _stage, region in STAGES:
        ecr(region).create_repository(repositoryName=name)
    made = push_signed_index(record, dockerd, config, name, [("amd64", os.urandom(6 * 1024 * 1024)), ("arm64", b"small " + name.encode())])
    hosts = {stage: {"ecr_promote_region": region} for stage, region in STAGES}
    # prod takes only an image whose scan has nothing CRITICAL, and gets a tag of its own
    hosts["staging"].update(ecr_promote_assume_role_arn=STAGING_ROLE, ecr_promote_registry_id=STAGING_ACCOUNT)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"ecr_promote": {"vars": {"ecr_promote_repository": name}, "hosts": hosts}}, sort_keys=False))
    # the copy into staging writes with staging's role and would read dev with it too: refused before any copy
    play = promote(inventory, "v1")
    assert play.rc != 0 and images("eu-west-1", name) == {}
    refused = play["Check that a stage reached with credentials of its own copies from a stage that names its own too"]["results"][0]
    assert refused["msg"].startswith("ecr_promote_assume_role_arn: stage staging")
    hosts["dev"].update(ecr_promote_assume_role_arn="arn:aws:iam::123456789012:role/builder")
    hosts["prod"].update(ecr_promote_fail_on_severity="CRITICAL", ecr_promote_tags=["v1", "stable"])
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"ecr_promote": {"vars": {"ecr_promote_repository": name}, "hosts": hosts}}, sort_keys=False))

    # with --check each stage is compared with dev, whose image is scanned
    boto3.client("ecr", region_name=REGION).start_image_scan(repositoryName=name, imageId={"imageDigest": made["index"]})
    play = promote(inventory, "v1", check=True)
    assert play.rc == 0, [r.get("msg") for r in play["Copy the image from each stage to the next"].get("results", [])]
    checked = play["Copy the image from each stage to the next"]["results"]
    assert [r["item"] for r in checked] == ["staging", "prod"] and all(r["changed"] for r in checked)
    assert images("eu-west-1", name) == {} and images("us-east-2", name) == {}

    # staging's image has no scan: prod refuses it, after staging has the image
    play = promote(inventory, "v1")
    assert play.rc != 0
    copies = play["Copy the image from each stage to the next"]["results"]
    assert copies[0]["item"] == "staging" and copies[0]["changed"] and copies[0]["copied"]["manifests"] == 4
    assert copies[1]["item"] == "prod" and not copies[1]["changed"] and copies[1]["msg"].startswith("fail_on_severity: ")
    assert images("us-east-2", name) == {}

    # scanned at staging (the stack's scan finds one HIGH): prod takes it, by digest, with its own tags
    ecr("eu-west-1").start_image_scan(repositoryName=name, imageId={"imageDigest": made["index"]})
    play = promote(inventory, "v1")
    assert play.rc == 0, play.failures()
    copies = play["Copy the image from each stage to the next"]["results"]
    assert [(c["item"], c["changed"]) for c in copies] == [("staging", False), ("prod", True)]
    assert all(c["digest"] == made["index"] for c in copies) and copies[1]["tags"] == ["v1", "stable"]

    children = {made["children"][0]: ["amd64"], made["children"][1]: ["arm64"]}
    assert images(REGION, name) == dict(children, **{made["index"]: ["v1"], made["signature"]: []})
    assert images("eu-west-1", name) == {made["index"]: ["v1"], made["children"][0]: [], made["children"][1]: [], made["signature"]: []}
    assert images("us-east-2", name) == {made["index"]: ["stable", "v1"], made["children"][0]: [], made["children"][1]: [], made["signature"]: []}
    referrers = boto3.client("ecr", region_name="us-east-2").list_image_referrers(repositoryName=name, subjectId={"imageDigest": made["index"]})
    assert [r["digest"] for r in referrers["referrers"]] == [made["signature"]]

    # by digest, once more: nothing to do anywhere
    play = promote(inventory, made["index"])
    assert play.rc == 0, play.failures()
    assert [c["changed"] for c in play["Copy the image from each stage to the next"]["results"]] == [False, False]


def test_a_stage_reached_with_a_profile_while_keys_are_in_the_environment(linked_registry, dockerd, tmp_path):
    """A stage whose credentials are a profile (here the other account's role, in an AWS config file) is reached
    with that profile although the controller's keys are in the environment (as in CI): the keys are not passed
    beside it (amazon.aws refuses a profile and keys together)."""
    record, config = linked_registry
    name = unique("promote-profile") + "/app"
    ecr(REGION).create_repository(repositoryName=name)
    ecr("eu-west-1").create_repository(repositoryName=name)
    made = push_signed_index(record, dockerd, config, name, [("amd64", b"amd64 " + name.encode()), ("arm64", b"arm64 " + name.encode())])
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "credentials").write_text("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    (aws / "config").write_text("[profile staging]\nrole_arn = %s\nsource_profile = base\nregion = eu-west-1\n" % STAGING_ROLE)
    env = {"AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}
    assert os.environ.get("AWS_ACCESS_KEY_ID")  # the stack's keys are in the environment
    hosts = {
        "dev": {"ecr_promote_region": REGION, "ecr_promote_assume_role_arn": "arn:aws:iam::123456789012:role/builder"},
        "staging": {"ecr_promote_region": "eu-west-1", "ecr_promote_profile": "staging", "ecr_promote_registry_id": STAGING_ACCOUNT},
    }
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"ecr_promote": {"vars": {"ecr_promote_repository": name}, "hosts": hosts}}, sort_keys=False))
    play = promote(inventory, "v1", env=env)
    assert play.rc == 0, play.failures()
    copies = play["Copy the image from each stage to the next"]["results"]
    assert [(c["item"], c["changed"], c["digest"]) for c in copies] == [("staging", True, made["index"])]
    assert images("eu-west-1", name) == {made["index"]: ["v1"], made["children"][0]: [], made["children"][1]: [], made["signature"]: []}
    again = promote(inventory, made["index"], env=env)
    assert again.rc == 0, again.failures()
    assert [c["changed"] for c in again["Copy the image from each stage to the next"]["results"]] == [False]
