"""Bad input for ecr_pull_through_cache_rule and ecr_repository_creation_template: each fails with a message
that names the option and what is accepted, and moto's recorder sees no write call."""

from __future__ import annotations

import json

import pytest
from conftest import record_figures
from helpers import Recorder, client, run_play, unique
from test_bad_input_corpus import check_messages, recorded_writes

PTC = "stowage.ecr.ecr_pull_through_cache_rule"
RCT = "stowage.ecr.ecr_repository_creation_template"
ACCOUNT = "123456789012"
SECRET = "arn:aws:secretsmanager:ap-south-1:%s:secret:ecr-pullthroughcache/hub-AbCdEf" % ACCOUNT


def cases(existing_rule: str, new_prefix: str):
    def rule(**kwargs):
        return dict({"ecr_repository_prefix": new_prefix, "upstream_registry_url": "public.ecr.aws"}, **kwargs)

    def template(**kwargs):
        return dict({"prefix": new_prefix, "applied_for": ["PULL_THROUGH_CACHE"]}, **kwargs)

    return [
        # ecr_pull_through_cache_rule --------------------------------------------------------------------
        ("rule prefix uppercase", PTC, rule(ecr_repository_prefix="Docker-Hub"), ["ecr_repository_prefix:", "'Docker-Hub'", "lowercase letters"]),
        ("rule prefix too long", PTC, rule(ecr_repository_prefix="p" * 31), ["ecr_repository_prefix:", "31 characters", "2 to 30"]),
        ("rule url with scheme", PTC, rule(upstream_registry_url="https://ghcr.io"), ["upstream_registry_url:", "host name only"]),
        (
            "rule url unknown",
            PTC,
            rule(upstream_registry_url="registry.example.com"),
            ["upstream_registry_url:", "no registry ECR can cache from", "quay.io (quay)"],
        ),
        ("rule url of another registry", PTC, rule(upstream_registry="quay"), ["upstream_registry_url:", "not of upstream_registry quay", "quay.io"]),
        ("rule upstream not a choice", PTC, rule(upstream_registry="dockerhub"), ["upstream_registry", "docker-hub"]),
        ("rule no url", PTC, {"ecr_repository_prefix": new_prefix}, ["upstream_registry_url"]),
        (
            "rule hub without secret",
            PTC,
            rule(upstream_registry_url="registry-1.docker.io"),
            ["credential_arn:", "docker-hub needs credentials", "ecr-pullthroughcache/"],
        ),
        (
            "rule secret not ecr-pullthroughcache",
            PTC,
            rule(upstream_registry_url="ghcr.io", credential_arn=SECRET.replace("ecr-pullthroughcache/", "team/")),
            ["credential_arn:", "name starts with ecr-pullthroughcache/"],
        ),
        (
            "rule secret in another region",
            PTC,
            rule(upstream_registry_url="ghcr.io", credential_arn=SECRET.replace("ap-south-1", "us-east-1")),
            ["credential_arn:", "region us-east-1", "rule's region ap-south-1"],
        ),
        (
            "rule role with quay",
            PTC,
            rule(upstream_registry_url="quay.io", custom_role_arn="arn:aws:iam::%s:role/x" % ACCOUNT),
            ["custom_role_arn:", "only accepted with upstream_registry ecr"],
        ),
        (
            "rule ecr of another account without role",
            PTC,
            rule(upstream_registry_url="210987654321.dkr.ecr.eu-west-1.amazonaws.com"),
            ["custom_role_arn:", "account 210987654321", "IAM role"],
        ),
        (
            "rule ecr with secret",
            PTC,
            rule(upstream_registry_url="210987654321.dkr.ecr.eu-west-1.amazonaws.com", credential_arn=SECRET),
            ["credential_arn:", "custom_role_arn (an IAM role)"],
        ),
        ("rule ROOT with ecr-public", PTC, rule(ecr_repository_prefix="ROOT"), ["ecr_repository_prefix:", "ROOT", "only accepted with upstream_registry ecr"]),
        (
            "rule upstream prefix with ecr-public",
            PTC,
            rule(upstream_repository_prefix="library"),
            ["upstream_repository_prefix:", "only accepted with upstream_registry ecr"],
        ),
        ("rule registry id short", PTC, rule(registry_id="1234"), ["registry_id:", "12-digit"]),
        (
            "rule url change without recreate",
            PTC,
            {"ecr_repository_prefix": existing_rule, "upstream_registry_url": "quay.io"},
            ["upstream_registry_url, upstream_registry:", "recreate: true", "Nothing was changed"],
        ),
        # ecr_repository_creation_template -----------------------------------------------------------------
        ("template prefix uppercase", RCT, template(prefix="Prod"), ["prefix:", "'Prod'", "or ROOT"]),
        ("template applied_for missing", RCT, {"prefix": new_prefix, "description": "x"}, ["applied_for:", "required to create", "PULL_THROUGH_CACHE"]),
        ("template applied_for not a choice", RCT, template(applied_for=["ON_PULL"]), ["applied_for", "CREATE_ON_PUSH"]),
        ("template description too long", RCT, template(description="d" * 257), ["description:", "257 characters", "at most 256"]),
        (
            "template filters without exclusion",
            RCT,
            template(image_tag_mutability="IMMUTABLE", image_tag_mutability_exclusion_filters=["latest"]),
            ["image_tag_mutability_exclusion_filters:", "only accepted with"],
        ),
        ("template kms key with AES256", RCT, template(encryption_type="AES256", kms_key="alias/x"), ["kms_key:", "only accepted with encryption_type KMS"]),
        ("template kms key unknown", RCT, template(encryption_type="KMS", kms_key="alias/%s" % unique("none")), ["kms_key:", "KMS has no key"]),
        (
            "template lifecycle tagged without prefixes",
            RCT,
            template(lifecycle_rules=[{"priority": 1, "tag_status": "tagged", "count_type": "image_count_more_than", "count_number": 5}]),
            ["lifecycle_rules:", "tag"],
        ),
        ("template lifecycle policy not JSON", RCT, template(lifecycle_policy="{rules"), ["lifecycle_policy:", "not valid JSON"]),
        (
            "template lifecycle both",
            RCT,
            template(lifecycle_rules=[], lifecycle_policy={"rules": []}),
            ["lifecycle_rules", "lifecycle_policy", "mutually exclusive"],
        ),
        ("template policy without statement", RCT, template(policy={"Version": "2012-10-17"}), ["policy:", "Statement"]),
        ("template tag aws:", RCT, template(tags={"aws:owner": "me"}), ["tags:", "'aws:owner'", "reserves"]),
        ("template role not a role", RCT, template(custom_role_arn="arn:aws:iam::%s:user/x" % ACCOUNT), ["custom_role_arn:", "ARN of an IAM role"]),
    ]


@pytest.mark.slow
def test_bad_input_registry_rules(moto, tmp_path):
    existing = unique("bad-ptc")
    new_prefix = unique("bad-new")
    ecr = client("ecr")
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=existing, upstreamRegistryUrl="public.ecr.aws")
    table = cases(existing, new_prefix)
    tasks = [{"name": case_id, module: args, "ignore_errors": True} for case_id, module, args, _fragments in table]
    try:
        with Recorder(moto) as recorder:
            play = run_play(tasks, tmp_path, diff=False)
            seen = recorded_writes(recorder)
        messages = {case[0]: str(play[case[0]].get("msg", "")) for case in table if play[case[0]].get("failed")}
        per_module = {}
        for _case_id, module, _args, _fragments in table:
            per_module[module.rsplit(".", 1)[-1]] = per_module.get(module.rsplit(".", 1)[-1], 0) + 1
        figures = {"bad_inputs": len(table), "per_module": per_module, "writes_seen": seen}
        print("\nbad input, registry rules:\n" + json.dumps(figures, indent=2))
        record_figures("bad_input_registry_rules", figures)

        assert len(table) >= 15
        problems = check_messages(table, messages)
        assert not problems, "\n".join(problems)
        assert seen == [], seen
        rule = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=[existing])["pullThroughCacheRules"][0]
        assert rule["upstreamRegistryUrl"] == "public.ecr.aws"
        assert ecr.describe_repository_creation_templates(prefixes=[new_prefix])["repositoryCreationTemplates"] == []
    finally:
        ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix=existing)
