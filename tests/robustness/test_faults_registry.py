"""Throttling and server faults on the registry-level settings: with 30% of the API requests failing
(throttled, 500, 503, dropped before or after moto saw them), the role ecr_registry applies a baseline of
every section, leaves the registry in the requested state, and a second run changes nothing.

The registry of a region of its own (eu-west-3) is used and emptied before and after."""

from __future__ import annotations

import json

import boto3
import pytest
from conftest import record_figures
from faultproxy import FaultProxy
from helpers import REGISTRY_DEFAULT_SETTINGS, empty_registry, run_play

FAULT_RATE = 0.3
# this seed loses the answer of a create (the retry meets AlreadyExists), among other faults
SEED = 3
REGION = "eu-west-3"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
PROFILE = "arn:aws:signer:%s:%s:/signing-profiles/release_images" % (REGION, ACCOUNT)
EXCLUDED = ["arn:aws:iam::%s:role/ci-scanner" % ACCOUNT, "arn:aws:iam::%s:user/auditor" % ACCOUNT]
DEFAULT_SETTINGS = REGISTRY_DEFAULT_SETTINGS
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
BASELINE = {
    "ecr_registry_region": REGION,
    "ecr_registry_registry_id": ACCOUNT,
    "ecr_registry_account_settings": {"BLOB_MOUNTING": "ENABLED", "REGISTRY_POLICY_SCOPE": "V1"},
    "ecr_registry_policy": POLICY,
    "ecr_registry_scan_type": "ENHANCED",
    "ecr_registry_scanning_rules": [{"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": [{"filter": "prod-*"}]}],
    "ecr_registry_repository_creation_templates": [
        {"prefix": "ecr-public", "applied_for": ["PULL_THROUGH_CACHE"], "description": "cache", "tags": {"team": "platform"}},
        {"prefix": "ROOT", "applied_for": ["CREATE_ON_PUSH", "REPLICATION"], "image_tag_mutability": "IMMUTABLE"},
        {
            "prefix": "quay",
            "applied_for": ["PULL_THROUGH_CACHE"],
            "lifecycle_rules": [{"priority": 1, "tag_status": "any", "count_type": "since_image_pulled", "count_number": 30}],
        },
    ],
    "ecr_registry_purge_repository_creation_templates": True,
    "ecr_registry_pull_through_cache_rules": [
        {"ecr_repository_prefix": "ecr-public", "upstream_registry_url": "public.ecr.aws"},
        {"ecr_repository_prefix": "quay", "upstream_registry_url": "quay.io"},
        {"ecr_repository_prefix": "k8s", "upstream_registry_url": "registry.k8s.io"},
    ],
    "ecr_registry_replication_rules": [
        {"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "platform/"}]},
        {"destinations": [{"region": "us-east-1", "registry_id": OTHER_ACCOUNT}], "delete_replication": True},
    ],
    "ecr_registry_pull_time_update_exclusions": EXCLUDED,
    "ecr_registry_purge_pull_time_update_exclusions": True,
    "ecr_registry_signing_rules": [{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "release/*"}]}],
}
ROLE = [{"name": "baseline", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_registry"}}]


def aws(service):
    return boto3.client(service, region_name=REGION)


def state_problems():
    """How the registry (asked of moto directly, not through the proxy) differs from the baseline."""
    ecr = aws("ecr")
    problems = []
    if json.loads(ecr.get_registry_policy()["policyText"]) != POLICY:
        problems.append("registry policy")
    settings = {name: ecr.get_account_setting(name=name)["value"] for name in DEFAULT_SETTINGS}
    if settings != dict(DEFAULT_SETTINGS, BLOB_MOUNTING="ENABLED", REGISTRY_POLICY_SCOPE="V1"):
        problems.append("account settings %s" % settings)
    scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    if scanning["scanType"] != "ENHANCED" or [r["scanFrequency"] for r in scanning["rules"]] != ["CONTINUOUS_SCAN"]:
        problems.append("scanning %s" % scanning)
    templates = {t["prefix"]: t for t in ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]}
    if sorted(templates) != ["ROOT", "ecr-public", "quay"] or templates["ROOT"].get("imageTagMutability") != "IMMUTABLE":
        problems.append("templates %s" % sorted(templates))
    elif templates["ecr-public"].get("resourceTags") != [{"Key": "team", "Value": "platform"}] or "lifecyclePolicy" not in templates["quay"]:
        problems.append("template settings %s" % templates)
    rules = sorted(r["ecrRepositoryPrefix"] for r in ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"])
    if rules != ["ecr-public", "k8s", "quay"]:
        problems.append("pull through cache rules %s" % rules)
    replication = ecr.describe_registry()["replicationConfiguration"]["rules"]
    if len(replication) != 3:
        problems.append("replication %s" % replication)
    if sorted(ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"]) != sorted(EXCLUDED):
        problems.append("exclusions")
    if ecr.get_signing_configuration()["signingConfiguration"]["rules"][0]["signingProfileArn"] != PROFILE:
        problems.append("signing")
    return problems


def failures(play):
    """The failed tasks and loop items of a run, with their messages."""
    lines = []
    for task in play.tasks:
        result = task["result"]
        for item in result.get("results") or [result]:
            if item.get("failed") or (item.get("msg") and result.get("failed") and item is not result):
                lines.append("%s [%s]: %s" % (task["name"], json.dumps(item.get("item", ""))[:80], item.get("msg")))
    return "\n".join(lines) or play.failures()


@pytest.fixture
def registry(moto):
    empty_registry(REGION)
    ecr = aws("ecr")
    # another team's replication rule, a template and an exclusion the purge removes
    ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [
                {"destinations": [{"region": "ap-south-1", "registryId": ACCOUNT}], "repositoryFilters": [{"filter": "other", "filterType": "PREFIX_MATCH"}]}
            ]
        }
    )
    ecr.create_repository_creation_template(prefix="stale", appliedFor=["CREATE_ON_PUSH"])
    ecr.register_pull_time_update_exclusion(principalArn="arn:aws:iam::%s:role/stale" % ACCOUNT)
    yield ecr
    empty_registry(REGION)


@pytest.mark.slow
def test_registry_baseline_under_faults(moto, registry, tmp_path):
    runs = {}
    with FaultProxy(moto["url"], rate=FAULT_RATE, seed=SEED) as proxy:
        env = {"AWS_ENDPOINT_URL": proxy.url}
        first = run_play(ROLE, tmp_path, diff=False, env=env, vars=BASELINE)
        runs["first"] = proxy.figures()
        proxy.reset_counts()
        second = run_play(ROLE, tmp_path, diff=False, env=env, vars=BASELINE) if first.rc == 0 else None
        runs["second"] = proxy.figures()

    figures = {
        "fault_rate": FAULT_RATE,
        "seed": SEED,
        "first_run_rc": first.rc,
        "first_run_changed": first.stats.get("localhost", {}).get("changed"),
        "second_run_rc": second.rc if second else None,
        "second_run_changed": second.stats.get("localhost", {}).get("changed") if second else None,
        "runs": runs,
        "injected_total": runs["first"]["injected_total"] + runs["second"]["injected_total"],
    }
    print("\nregistry baseline, faults and calls through the proxy:\n" + json.dumps(figures, indent=2))
    record_figures("faults_registry", figures)

    assert first.rc == 0, "the first run failed under faults:\n" + failures(first)
    assert runs["first"]["injected_total"] > 0
    problems = state_problems()
    assert not problems, "\n".join(problems)
    assert second.rc == 0, "the second run failed under faults:\n" + failures(second)
    assert second.stats["localhost"]["changed"] == 0, [t["name"] for t in second.tasks if t["result"].get("changed")]
    assert runs["second"]["injected_total"] > 0
    written = [op for op in runs["second"]["forwarded"] if op.startswith(("Create", "Put", "Update", "Delete", "Register", "Deregister"))]
    assert written == [], written
    assert state_problems() == []
