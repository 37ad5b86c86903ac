"""docs/migration.md: its worked examples run as written. The ecs_ecr example's "before" runs community.aws's
ecs_ecr itself where the matrix entry has it (else boto3 makes the same repository); the Terraform example's
repository is made with boto3 as the HCL describes it. Our playbooks then change nothing more than they say."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import boto3
import yaml
from helpers import ANSIBLE_PLAYBOOK, BIN, ROOT, PlayResult, Recorder, ansible_env, client, writes

GUIDE = ROOT / "docs" / "migration.md"
PULL = {
    "Sid": "pull-from-prod",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
}


def examples() -> dict[str, str]:
    """The guide's runnable examples: each ```yaml block after an `<!-- example: NAME -->` line."""
    found = re.findall(r"<!-- example: ([\w-]+) -->\n```yaml\n(.*?)```", GUIDE.read_text(), re.S)
    return dict(found)


def run_example(name: str, tmp_path: Path, env: dict[str, str] | None = None) -> PlayResult:
    path = tmp_path / ("%s.yml" % name)
    path.write_text(examples()[name])
    proc = subprocess.run([ANSIBLE_PLAYBOOK, str(path)], cwd=ROOT, env=ansible_env(env), capture_output=True, text=True, timeout=600, check=False)
    return PlayResult(proc)


def has_community_aws() -> bool:
    proc = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", "-l", "community.aws"], capture_output=True, text=True, check=False)
    return "community.aws.ecs_ecr" in proc.stdout


def test_the_guide_has_its_examples():
    assert set(examples()) >= {"ecs-ecr-before", "ecs-ecr-after", "terraform-after", "terraform-registry-after"}
    for text in examples().values():
        assert isinstance(yaml.safe_load(text), list)


def test_ecs_ecr_example(moto, tmp_path):
    ecr = client("ecr")
    if has_community_aws():
        before = run_example("ecs-ecr-before", tmp_path)
        assert before.rc == 0, before.failures()
    else:  # the oldest matrix entry has no community.aws: make what its task makes
        ecr.create_repository(repositoryName="shop/cart", imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True})
        ecr.set_repository_policy(repositoryName="shop/cart", policyText=json.dumps({"Version": "2012-10-17", "Statement": [PULL]}))
        lifecycle = yaml.safe_load(examples()["ecs-ecr-before"])[0]["tasks"][0]["community.aws.ecs_ecr"]["lifecycle_policy"]
        ecr.put_lifecycle_policy(repositoryName="shop/cart", lifecyclePolicyText=json.dumps(lifecycle))
    with Recorder(moto) as recorder:
        after = run_example("ecs-ecr-after", tmp_path)
        calls = writes(recorder.operations())
    assert after.rc == 0, after.failures()
    result = after["Repository, policy and lifecycle policy in one task"]
    assert result["changed"] is True
    assert calls == ["TagResource"], calls  # only the tag it adds
    again = run_example("ecs-ecr-after", tmp_path)
    assert again["Repository, policy and lifecycle policy in one task"]["changed"] is False
    live = ecr.describe_repositories(repositoryNames=["shop/cart"])["repositories"][0]
    assert live["imageTagMutability"] == "IMMUTABLE" and live["imageScanningConfiguration"]["scanOnPush"] is True
    assert ecr.list_tags_for_resource(resourceArn=live["repositoryArn"])["tags"] == [{"Key": "team", "Value": "shop"}]


def test_terraform_example(moto, tmp_path):
    ecr = client("ecr")
    # what the guide's HCL makes
    made = ecr.create_repository(
        repositoryName="payments/api",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "AES256"},
        tags=[{"Key": "team", "Value": "payments"}],
    )["repository"]
    ecr.set_repository_policy(repositoryName="payments/api", policyText=json.dumps({"Version": "2012-10-17", "Statement": [PULL]}))
    rule = {
        "rulePriority": 1,
        "description": "keep the last 30 releases",
        "selection": {"tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "imageCountMoreThan", "countNumber": 30},
        "action": {"type": "expire"},
    }
    ecr.put_lifecycle_policy(repositoryName="payments/api", lifecyclePolicyText=json.dumps({"rules": [rule]}))
    with Recorder(moto) as recorder:
        after = run_example("terraform-after", tmp_path)
        calls = writes(recorder.operations())
    assert after.rc == 0, after.failures()
    assert [t["name"] for t in after.tasks if t["result"].get("changed")] == []
    assert calls == [], calls
    assert after["stowage.ecr.ecr_repo : Repository URLs"]["ansible_facts"]["ecr_repo_urls"] == {"payments/api": made["repositoryUri"]}


def test_terraform_registry_example(moto, tmp_path):
    """In a region of its own (registry settings are the region's): what the HCL makes, plus another team's rule."""
    region = "eu-south-2"
    ecr = boto3.client("ecr", region_name=region)
    ours = {
        "destinations": [{"region": "eu-west-1", "registryId": "123456789012"}],
        "repositoryFilters": [{"filter": "payments/", "filterType": "PREFIX_MATCH"}],
    }
    theirs = {"destinations": [{"region": "us-east-2", "registryId": "123456789012"}], "repositoryFilters": [{"filter": "shop/", "filterType": "PREFIX_MATCH"}]}
    ecr.put_replication_configuration(replicationConfiguration={"rules": [ours, theirs]})
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    with Recorder(moto) as recorder:
        after = run_example("terraform-registry-after", tmp_path, {"AWS_REGION": region, "AWS_DEFAULT_REGION": region})
        calls = writes(recorder.operations())
    assert after.rc == 0, after.failures()
    assert [t["name"] for t in after.tasks if t["result"].get("changed")] == []
    assert calls == [], calls
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert [r["repositoryFilters"][0]["filter"] for r in rules] == ["payments/", "shop/"]
