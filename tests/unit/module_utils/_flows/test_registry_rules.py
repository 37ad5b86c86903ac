"""Pull through cache rules and repository creation templates (_flows/registry_rules.py) on a stubbed ECR client
(KMS too): read, plan, write only what differs, read back."""

from __future__ import annotations

import json

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry_rules import converge_pull_through_cache_rule, converge_repository_creation_template
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

from ...conftest import ACCOUNT, REGION
from .._checks.test_registry_rules import rule_params as checks_rule_params
from .._checks.test_registry_rules import template_params

SECRET = "arn:aws:secretsmanager:%s:%s:secret:ecr-pullthroughcache/hub-AbCdEf" % (REGION, ACCOUNT)
KEY = "arn:aws:kms:%s:%s:key/1111aaaa-2222-bbbb-3333-cccc4444dddd" % (REGION, ACCOUNT)
RULE_QUERY = {"ecrRepositoryPrefixes": ["hub"], "maxResults": 1000}
TEMPLATE_QUERY = {"prefixes": ["hub"], "maxResults": 1000}
LIVE_RULE = {
    "ecrRepositoryPrefix": "hub",
    "upstreamRegistryUrl": "registry-1.docker.io",
    "upstreamRegistry": "docker-hub",
    "credentialArn": SECRET,
    "registryId": ACCOUNT,
}


def rule_params(**options):
    return checks_rule_params(**dict({"credential_arn": SECRET, "recreate": False, "validate": False}, **options))


def test_rule_created_read_back_and_validated(stubbed):
    ecr = stubbed.ecr
    ecr.add_client_error("describe_pull_through_cache_rules", "PullThroughCacheRuleNotFoundException", expected_params=RULE_QUERY)
    ecr.add_response(
        "create_pull_through_cache_rule",
        {},
        {"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": "registry-1.docker.io", "upstreamRegistry": "docker-hub", "credentialArn": SECRET},
    )
    ecr.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [LIVE_RULE]}, RULE_QUERY)
    ecr.add_response("validate_pull_through_cache_rule", {"isValid": True}, {"ecrRepositoryPrefix": "hub"})
    got = converge_pull_through_cache_rule(stubbed.module(**rule_params(validate=True)))
    assert got["changed"] is True and got["action"] == "create" and got["before"] == {}
    assert got["after"]["upstream_registry"] == "docker-hub" and got["after"]["credential_arn"] == SECRET
    assert got["rule"]["registry_id"] == ACCOUNT and got["validation"] == {"is_valid": True, "failure": None}


def test_rule_in_check_mode_and_unchanged(stubbed):
    stubbed.ecr.add_client_error("describe_pull_through_cache_rules", "PullThroughCacheRuleNotFoundException", expected_params=RULE_QUERY)
    got = converge_pull_through_cache_rule(stubbed.module(check_mode=True, **rule_params(validate=True)))
    assert got["changed"] is True and got["action"] == "create" and got["validation"] is None
    stubbed.ecr.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [LIVE_RULE]}, RULE_QUERY)
    got = converge_pull_through_cache_rule(stubbed.module(**rule_params()))
    assert got["changed"] is False and got["action"] is None and got["before"] == got["after"]


def test_rule_absent_is_deleted(stubbed):
    stubbed.ecr.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [LIVE_RULE]}, RULE_QUERY)
    stubbed.ecr.add_response("delete_pull_through_cache_rule", {}, {"ecrRepositoryPrefix": "hub"})
    got = converge_pull_through_cache_rule(stubbed.module(**rule_params(state="absent")))
    assert got["changed"] is True and got["action"] == "delete" and got["after"] == {} and got["before"]["ecr_repository_prefix"] == "hub"


def live_template(**fields):
    raw = {
        "prefix": "hub",
        "description": "cache",
        "appliedFor": ["PULL_THROUGH_CACHE"],
        "imageTagMutability": "MUTABLE",
        "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY},
        "resourceTags": [{"Key": "team", "Value": "platform"}],
    }
    raw.update(fields)
    return raw


def test_template_created_with_its_kms_key_looked_up(stubbed):
    stubbed.stub("kms").add_response("describe_key", {"KeyMetadata": {"KeyId": "1111aaaa-2222-bbbb-3333-cccc4444dddd", "Arn": KEY}}, {"KeyId": "alias/ecr"})
    ecr = stubbed.ecr
    ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": []}, TEMPLATE_QUERY)
    ecr.add_response(
        "create_repository_creation_template",
        {},
        {
            "prefix": "hub",
            "description": "cache",
            "appliedFor": ["PULL_THROUGH_CACHE"],
            "imageTagMutability": "MUTABLE",
            "resourceTags": [{"Key": "team", "Value": "platform"}],
            "repositoryPolicy": "",
            "lifecyclePolicy": "",
            "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY},
        },
    )
    ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": [live_template()]}, TEMPLATE_QUERY)
    options = {"applied_for": ["PULL_THROUGH_CACHE"], "description": "cache", "image_tag_mutability": "MUTABLE", "tags": {"team": "platform"}}
    module = stubbed.module(**template_params(encryption_type="KMS", kms_key="alias/ecr", **options))
    got = converge_repository_creation_template(module)
    assert got["changed"] is True and got["action"] == "create" and got["before"] == {}
    assert got["changes"] == sorted(["applied_for", "description", "encryption_type", "image_tag_mutability", "kms_key", "tags"])
    assert got["template"]["kms_key"] == KEY and got["after"]["tags"] == {"team": "platform"}


def test_template_updated_only_where_it_differs(stubbed):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}
    ecr = stubbed.ecr
    ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": [live_template()]}, TEMPLATE_QUERY)
    got = converge_repository_creation_template(stubbed.module(check_mode=True, **template_params(policy=policy)))
    assert got["changed"] is True and got["action"] == "update" and got["changes"] == ["policy"]
    assert got["after"]["policy"] == policy and got["after"]["kms_key"] == KEY
    ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": [live_template()]}, TEMPLATE_QUERY)
    got = converge_repository_creation_template(stubbed.module(**template_params(description="cache")))
    assert got["changed"] is False and got["action"] is None


def test_template_refused_without_applied_for_and_deleted_when_absent(stubbed):
    stubbed.ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": []}, TEMPLATE_QUERY)
    with pytest.raises(InputError, match="applied_for: required to create the template for hub"):
        converge_repository_creation_template(stubbed.module(**template_params()))
    stubbed.ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": [live_template()]}, TEMPLATE_QUERY)
    stubbed.ecr.add_response("delete_repository_creation_template", {"registryId": ACCOUNT}, {"prefix": "hub"})
    got = converge_repository_creation_template(stubbed.module(**template_params(state="absent")))
    assert got["changed"] is True and got["action"] == "delete" and json.dumps(got["after"]) == "{}"
