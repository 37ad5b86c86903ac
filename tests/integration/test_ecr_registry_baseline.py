"""ecr_registry_baseline through ansible-playbook against the local stack: a full baseline in check mode,
applied, checked again and applied again with --diff (no change, one read a section, no write), asserted with
boto3; bad sections among good ones refused before any write, every section's error named; a pull through
cache rule's credential kept out of the output.

Registry-level state is one per account and region: these tests use a region of their own (eu-south-2) and
empty it before and after each test."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from helpers import Recorder, empty_registry, run_play, writes

REGION = "eu-south-2"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
PROFILE = "arn:aws:signer:%s:%s:/signing-profiles/release_images" % (REGION, ACCOUNT)
SCANNER = "arn:aws:iam::%s:role/ci-scanner" % ACCOUNT
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "arn:aws:ecr:%s:%s:repository/*" % (REGION, ACCOUNT),
        }
    ],
}


def baseline(secret):
    """The baseline, its pull through cache rule with the credential ``secret``."""
    return dict(BASELINE, pull_through_cache_rules=[dict(RULE, credential_arn=secret)])


RULE = {"ecr_repository_prefix": "docker-hub", "upstream_registry_url": "registry-1.docker.io"}
BASELINE = {
    "region": REGION,
    "registry_id": ACCOUNT,
    "account_settings": {"BLOB_MOUNTING": "enabled"},
    "policy": POLICY,
    "scan_type": "ENHANCED",
    "scanning_rules": [{"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": [{"filter": "prod-*"}]}],
    "repository_creation_templates": [
        {
            "prefix": "docker-hub",
            "applied_for": ["PULL_THROUGH_CACHE", "REPLICATION"],
            "lifecycle_rules": [{"priority": 1, "tag_status": "any", "count_type": "since_image_pulled", "count_number": 90}],
        }
    ],
    "pull_through_cache_rules": [RULE],
    "replication_rules": [
        {"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "platform/"}]},
        {"destinations": [{"region": "us-east-1", "registry_id": OTHER_ACCOUNT}], "repository_filters": [{"filter": "shared/"}]},
    ],
    "pull_time_update_exclusions": [SCANNER],
    "signing_rules": [{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "release/*"}]}],
}
SECTIONS = [
    "account_settings",
    "policy",
    "scanning",
    "repository_creation_templates",
    "pull_through_cache_rules",
    "replication_rules",
    "pull_time_update_exclusions",
    "signing_rules",
]
# the one read of each section
READS = [
    "GetAccountSetting",
    "GetRegistryPolicy",
    "GetRegistryScanningConfiguration",
    "DescribeRepositoryCreationTemplates",
    "DescribePullThroughCacheRules",
    "DescribeRegistry",
    "ListPullTimeUpdateExclusions",
    "GetSigningConfiguration",
]


def task(name, args, check=False):
    return {"name": name, "stowage.ecr.ecr_registry_baseline": args, "check_mode": check}


@pytest.fixture
def secret(moto):
    """A Secrets Manager secret with Docker Hub credentials, in the tests' region."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    name = "ecr-pullthroughcache/docker-hub-%s" % uuid.uuid4().hex[:8]
    arn = secrets.create_secret(Name=name, SecretString=json.dumps({"username": "puller", "accessToken": "t0ken"}))["ARN"]
    yield arn
    secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


@pytest.fixture
def ecr(moto):
    empty_registry(REGION)
    yield boto3.client("ecr", region_name=REGION)
    empty_registry(REGION)


def assert_baseline(ecr, secret):
    assert ecr.get_account_setting(name="BLOB_MOUNTING")["value"] == "ENABLED"
    assert json.loads(ecr.get_registry_policy()["policyText"]) == POLICY
    scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning["scanType"] == "ENHANCED"
    assert [(r["scanFrequency"], [f["filter"] for f in r["repositoryFilters"]]) for r in scanning["rules"]] == [("CONTINUOUS_SCAN", ["prod-*"])]
    templates = ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]
    assert [(t["prefix"], sorted(t["appliedFor"])) for t in templates] == [("docker-hub", ["PULL_THROUGH_CACHE", "REPLICATION"])]
    assert json.loads(templates[0]["lifecyclePolicy"])["rules"][0]["selection"]["countType"] == "sinceImagePulled"
    rules = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    assert [(r["ecrRepositoryPrefix"], r["upstreamRegistryUrl"], r["credentialArn"]) for r in rules] == [("docker-hub", "registry-1.docker.io", secret)]
    replication = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert sorted((r["destinations"][0]["region"], r["destinations"][0]["registryId"], r["repositoryFilters"][0]["filter"]) for r in replication) == [
        ("eu-west-1", ACCOUNT, "platform/"),
        ("us-east-1", OTHER_ACCOUNT, "shared/"),
    ]
    assert ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == [SCANNER]
    signing = ecr.get_signing_configuration()["signingConfiguration"]["rules"]
    assert signing == [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "release/*", "filterType": "WILDCARD_MATCH"}]}]


def test_baseline_check_real_check_again_real_again(moto, ecr, secret, tmp_path):
    args = baseline(secret)
    with Recorder(moto) as rec:
        check = run_play([task("check", args, check=True)], tmp_path)
    assert check.rc == 0, check.failures()
    assert writes(rec.operations()) == []
    result = check["check"]
    assert result["changed"] and sorted(result["sections"]) == sorted(SECTIONS)
    assert [name for name in SECTIONS if result["sections"][name]["changed"]] == SECTIONS
    assert result["sections"]["policy"]["before"] is None and result["sections"]["policy"]["after"] == POLICY
    assert result["sections"]["account_settings"] == {"changed": True, "before": {"BLOB_MOUNTING": "DISABLED"}, "after": {"BLOB_MOUNTING": "ENABLED"}}
    assert len(result["sections"]["replication_rules"]["after"]) == 2
    # one diff a changed section, named by the section
    assert [d["before_header"] for d in result["diff"]] == SECTIONS
    assert ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"] == []

    with Recorder(moto) as rec:
        real = run_play([task("real", args)], tmp_path)
    assert real.rc == 0, real.failures()
    assert real["real"]["changed"]
    operations = rec.operations()
    # every read before the first write; the templates before the rules that create repositories from them
    first_write = next(i for i, op in enumerate(operations) if writes([op]))
    assert sorted(set(READS) - set(operations[:first_write])) == []
    done = writes(operations)
    assert done.index("CreateRepositoryCreationTemplate") < done.index("CreatePullThroughCacheRule") < done.index("PutReplicationConfiguration")
    assert_baseline(ecr, secret)
    # the credential is kept out of the output
    assert secret not in real.stdout and secret not in check.stdout

    with Recorder(moto) as rec:
        again = run_play([task("check again", args, check=True), task("real again", args)], tmp_path)
    assert again.rc == 0, again.failures()
    assert [again[name]["changed"] for name in ("check again", "real again")] == [False, False]
    assert [name for name in SECTIONS if again["real again"]["sections"][name]["changed"]] == []
    assert "diff" not in again["real again"] or again["real again"]["diff"] == []
    # a no-op: one read a section given, each run; nothing written
    assert sorted(rec.operations()) == sorted(READS * 2)
    assert_baseline(ecr, secret)


def test_omitted_sections_are_not_read(moto, ecr, tmp_path):
    args = {"region": REGION, "scan_type": "BASIC", "pull_time_update_exclusions": [SCANNER]}
    with Recorder(moto) as rec:
        play = run_play([task("some", args)], tmp_path)
    assert play.rc == 0, play.failures()
    assert sorted(play["some"]["sections"]) == ["pull_time_update_exclusions", "scanning"]
    assert sorted(rec.operations()) == ["GetRegistryScanningConfiguration", "ListPullTimeUpdateExclusions", "RegisterPullTimeUpdateExclusion"]


def test_bad_sections_among_good_ones_refuse_before_any_write(moto, ecr, tmp_path):
    # the registry holds a rule that the task would have to re-create, and ten replication rules
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="quay", upstreamRegistryUrl="quay.io")
    ten = [
        {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}], "repositoryFilters": [{"filter": "team-%02d" % i, "filterType": "PREFIX_MATCH"}]}
        for i in range(10)
    ]
    ecr.put_replication_configuration(replicationConfiguration={"rules": ten})
    bad = dict(
        BASELINE,
        signing_rules=[{"signing_profile_arn": "arn:aws:signer:::nope"}],
        pull_through_cache_rules=[{"ecr_repository_prefix": "quay", "upstream_registry_url": "registry.k8s.io"}],
        scanning_rules=[{"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": [{"filter": "Bad Filter"}]}],
    )
    wrong_account = dict(BASELINE, registry_id=OTHER_ACCOUNT)
    with Recorder(moto) as rec:
        play = run_play([dict(task("bad", bad), ignore_errors=True), dict(task("wrong account", wrong_account), ignore_errors=True)], tmp_path)
    assert writes(rec.operations()) == []
    message = play["bad"]["msg"]
    for part in (
        "signing_rules[0].signing_profile_arn",
        "scanning_rules[0].repository_filters[0].filter",
        "pull_through_cache_rules[0].upstream_registry_url, upstream_registry: the rule for quay has upstream_registry_url quay.io",
        "Set recreate: true",
        "replication_rules: the replication configuration would hold 12 rules (10 of them already in the registry and kept)",
        "purge_replication_rules: true",
        "Nothing was changed",
    ):
        assert part in message, message
    assert "registry_id: the credentials reach registry %s, not %s" % (ACCOUNT, OTHER_ACCOUNT) in play["wrong account"]["msg"]
    assert ecr.get_account_setting(name="BLOB_MOUNTING")["value"] == "DISABLED"
    assert ecr.describe_repository_creation_templates()["repositoryCreationTemplates"] == []
