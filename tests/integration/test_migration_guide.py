"""docs/migration.md: its worked examples run as written. The ecs_ecr example's "before" runs community.aws's
ecs_ecr itself where the matrix entry has it (else boto3 makes the same repository); what each Terraform example's
HCL makes is made with boto3, in the HCL's region. Our playbooks then change nothing more than they say, in that
region, which boto3 checks; where an example also creates, it runs once more in an account without the resource."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import boto3
import yaml
from helpers import ANSIBLE_PLAYBOOK, BIN, ROOT, PlayResult, Recorder, ansible_env, client, writes

GUIDE = ROOT / "docs" / "migration.md"
TF_REGION = "eu-west-1"  # the provider region of the guide's repository examples
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


def run_unchanged(moto: dict, name: str, tmp_path: Path) -> PlayResult:
    """Run example ``name`` against what it describes: it succeeds, no task changes and no write reaches AWS."""
    with Recorder(moto) as recorder:
        result = run_example(name, tmp_path)
        calls = writes(recorder.operations())
    assert result.rc == 0, result.failures()
    assert [t["name"] for t in result.tasks if t["result"].get("changed")] == []
    assert calls == [], calls
    return result


def has_community_aws() -> bool:
    proc = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", "-l", "community.aws"], capture_output=True, text=True, check=False)
    return "community.aws.ecs_ecr" in proc.stdout


def test_the_guide_has_its_examples():
    assert set(examples()) == {
        "ecs-ecr-before",
        "ecs-ecr-after",
        "ecs-ecr-two-tasks",
        "terraform-after",
        "terraform-exclusions-kms",
        "terraform-creation-template",
        "terraform-registry-after",
    }
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
    item = result["repositories"][0]
    assert item["created"] is False
    # where the guide says the lifecycle policy is: the AWS JSON and the typed rules of the item
    assert item["lifecycle_policy"]["rules"][0]["selection"]["countNumber"] == 14
    assert (
        item["lifecycle_rules"]
        == yaml.safe_load(examples()["ecs-ecr-after"])[0]["tasks"][0]["stowage.ecr.ecr_repositories"]["repositories"][0]["lifecycle_rules"]
    )
    again = run_example("ecs-ecr-after", tmp_path)
    assert again["Repository, policy and lifecycle policy in one task"]["changed"] is False
    live = ecr.describe_repositories(repositoryNames=["shop/cart"])["repositories"][0]
    assert live["imageTagMutability"] == "IMMUTABLE" and live["imageScanningConfiguration"]["scanOnPush"] is True
    assert ecr.list_tags_for_resource(resourceArn=live["repositoryArn"])["tags"] == [{"Key": "team", "Value": "shop"}]

    # the same repository as two tasks: ecr_repository, then ecr_lifecycle_policy with the ecs_ecr JSON unchanged
    split = run_unchanged(moto, "ecs-ecr-two-tasks", tmp_path)
    assert split["Lifecycle policy, the JSON of the ecs_ecr task unchanged"]["policy"]["rules"][0]["rulePriority"] == 1
    uri = live["repositoryUri"]
    assert split["Where the results are"]["msg"] == "%s keeps 1 lifecycle rule(s); created now: False" % uri
    policy = json.loads(ecr.get_lifecycle_policy(repositoryName="shop/cart")["lifecyclePolicyText"])
    assert policy["rules"][0]["selection"]["countNumber"] == 14
    assert ecr.list_tags_for_resource(resourceArn=live["repositoryArn"])["tags"] == [{"Key": "team", "Value": "shop"}]  # left alone


def test_terraform_example(moto, tmp_path):
    ecr = boto3.client("ecr", region_name=TF_REGION)
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
    after = run_unchanged(moto, "terraform-after", tmp_path)
    assert after["stowage.ecr.ecr_repo : Repository URLs"]["ansible_facts"]["ecr_repo_urls"] == {"payments/api": made["repositoryUri"]}
    assert ".%s." % TF_REGION in made["repositoryUri"]
    # nothing was made in the role's default region
    assert [r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"] if r["repositoryName"] == "payments/api"] == []
    live = ecr.describe_repositories(repositoryNames=["payments/api"])["repositories"][0]
    assert live["imageTagMutability"] == "IMMUTABLE" and live["encryptionConfiguration"] == {"encryptionType": "AES256"}


def test_terraform_exclusions_and_managed_key_example(moto, tmp_path):
    ecr = boto3.client("ecr", region_name=TF_REGION)
    filters = [{"filter": "latest", "filterType": "WILDCARD"}, {"filter": "dev-*", "filterType": "WILDCARD"}]
    # what the HCL makes: KMS without a key (ECR picks the AWS managed key)
    made = ecr.create_repository(
        repositoryName="payments/builds",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=filters,
        encryptionConfiguration={"encryptionType": "KMS"},
    )["repository"]
    task = "Repository with exclusion filters, encrypted with aws/ecr"
    after = run_unchanged(moto, "terraform-exclusions-kms", tmp_path)
    assert after[task]["created"] is False
    assert after[task]["repository"]["kms_key"] == made["encryptionConfiguration"]["kmsKey"]  # the live key, not checked

    # in an account without it, the same task creates it with the AWS managed key
    ecr.delete_repository(repositoryName="payments/builds", force=True)
    with Recorder(moto) as recorder:
        fresh = run_example("terraform-exclusions-kms", tmp_path)
        requests = recorder.requests()
    assert fresh.rc == 0, fresh.failures()
    assert fresh[task]["changed"] is True and fresh[task]["created"] is True
    created = [body for op, body in requests if op == "CreateRepository"]
    assert len(created) == 1 and created[0]["encryptionConfiguration"] == {"encryptionType": "KMS"}, created  # no key sent
    live = ecr.describe_repositories(repositoryNames=["payments/builds"])["repositories"][0]
    assert live["encryptionConfiguration"]["encryptionType"] == "KMS"
    assert live["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert sorted(f["filter"] for f in live["imageTagMutabilityExclusionFilters"]) == ["dev-*", "latest"]
    again = run_example("terraform-exclusions-kms", tmp_path)
    assert again.rc == 0 and again[task]["changed"] is False, again.failures()


def test_terraform_creation_template_example(moto, tmp_path):
    ecr = boto3.client("ecr", region_name=TF_REGION)
    lifecycle = {
        "rules": [
            {
                "rulePriority": 1,
                "description": "expire images pushed more than 90 days ago",
                "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 90},
                "action": {"type": "expire"},
            }
        ]
    }
    # what the HCL makes
    ecr.create_repository_creation_template(
        prefix="cache",
        description="repositories of the pull-through cache",
        appliedFor=["PULL_THROUGH_CACHE"],
        imageTagMutability="IMMUTABLE",
        customRoleArn="arn:aws:iam::123456789012:role/ecr-template",
        encryptionConfiguration={"encryptionType": "AES256"},
        resourceTags=[{"Key": "source", "Value": "cache"}],
        lifecyclePolicy=json.dumps(lifecycle),
    )
    task = "Creation template with Terraform's argument names"
    after = run_unchanged(moto, "terraform-creation-template", tmp_path)
    assert after[task]["operation"] is None
    assert after[task]["template"]["tags"] == {"source": "cache"}

    # the aliases write what they name: a template made by the example alone holds the same settings
    ecr.delete_repository_creation_template(prefix="cache")
    fresh = run_example("terraform-creation-template", tmp_path)
    assert fresh.rc == 0 and fresh[task]["operation"] == "create", fresh.failures()
    live = ecr.describe_repository_creation_templates(prefixes=["cache"])["repositoryCreationTemplates"][0]
    assert live["resourceTags"] == [{"Key": "source", "Value": "cache"}]
    assert live["imageTagMutability"] == "IMMUTABLE" and live["appliedFor"] == ["PULL_THROUGH_CACHE"]
    assert json.loads(live["lifecyclePolicy"])["rules"][0]["selection"]["countNumber"] == 90


def test_terraform_registry_example(moto, tmp_path):
    """In the HCL's region (registry settings are the region's): what the HCL makes, plus another team's rule."""
    region = "eu-south-2"
    ecr = boto3.client("ecr", region_name=region)
    ours = {
        "destinations": [{"region": "eu-west-1", "registryId": "123456789012"}],
        "repositoryFilters": [{"filter": "payments/", "filterType": "PREFIX_MATCH"}],
    }
    theirs = {"destinations": [{"region": "us-east-2", "registryId": "123456789012"}], "repositoryFilters": [{"filter": "shop/", "filterType": "PREFIX_MATCH"}]}
    ecr.put_replication_configuration(replicationConfiguration={"rules": [ours, theirs]})
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    run_unchanged(moto, "terraform-registry-after", tmp_path)  # the example names its region (else it would write elsewhere)
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert [r["repositoryFilters"][0]["filter"] for r in rules] == ["payments/", "shop/"]
