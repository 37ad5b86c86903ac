"""The registry-level settings (_flows/registry.py) on a stubbed ECR client: each converge reads, writes only what
differs (nothing in check mode), and returns before and after."""

from __future__ import annotations

import json

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import policy_text, scanning_rules_want, signing_rules_want
from ansible_collections.stowage.ecr.plugins.module_utils._flows import registry

from ...conftest import ACCOUNT

OTHER = "210987654321"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:ReplicateImage", "Resource": "*"}]}
PROFILE = "arn:aws:signer:us-east-1:%s:/signing-profiles/release_images" % ACCOUNT
ROLE = "arn:aws:iam::%s:role/ci" % ACCOUNT
OTHER_ROLE = "arn:aws:iam::%s:role/ci" % OTHER


def api(stubbed, check_mode=False):
    return RegistryApi(stubbed.module(check_mode=check_mode))


def test_registry_policy_put_then_unchanged(stubbed):
    stubbed.ecr.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException")
    stubbed.ecr.add_response("put_registry_policy", {"registryId": ACCOUNT, "policyText": policy_text(POLICY)}, {"policyText": policy_text(POLICY)})
    got = registry.converge_registry_policy(api(stubbed), POLICY, check_mode=False)
    assert got == {"changed": True, "before": None, "after": POLICY, "registry_id": ACCOUNT}
    stubbed.ecr.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": json.dumps(POLICY)}, {})
    got = registry.converge_registry_policy(api(stubbed), POLICY, check_mode=False)
    assert got == {"changed": False, "before": POLICY, "after": POLICY, "registry_id": ACCOUNT}


def test_registry_policy_deleted_in_check_mode_writes_nothing(stubbed):
    stubbed.ecr.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": json.dumps(POLICY)}, {})
    got = registry.converge_registry_policy(api(stubbed, True), None, check_mode=True)
    assert got == {"changed": True, "before": POLICY, "after": None, "registry_id": ACCOUNT}


def test_replication_merged_into_the_live_rules(stubbed):
    live = {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}]}
    added = {"destinations": [{"region": "ap-south-1", "registryId": ACCOUNT}], "repositoryFilters": [{"filter": "team", "filterType": "PREFIX_MATCH"}]}
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": [live]}}, {})
    stubbed.ecr.add_response(
        "put_replication_configuration", {"replicationConfiguration": {"rules": [live, added]}}, {"replicationConfiguration": {"rules": [live, added]}}
    )
    rules = [{"destinations": [{"region": "ap-south-1"}], "repository_filters": [{"filter": "team", "filter_type": "PREFIX_MATCH"}]}]
    got = registry.converge_replication(api(stubbed), rules, "present", purge=False, check_mode=False)
    assert got["changed"] is True and got["registry_id"] == ACCOUNT
    assert [r["destinations"][0]["region"] for r in got["before"]] == ["eu-west-1"]
    assert [r["destinations"][0]["region"] for r in got["after"]] == ["eu-west-1", "ap-south-1"]


def test_replication_rule_there_already_changes_nothing(stubbed):
    live = {"destinations": [{"region": "ap-south-1", "registryId": ACCOUNT}]}
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": [live]}}, {})
    got = registry.converge_replication(api(stubbed), [{"destinations": [{"region": "ap-south-1"}]}], "present", purge=False, check_mode=False)
    assert got["changed"] is False and got["before"] == got["after"]


def test_scanning_put_with_the_live_rules_kept(stubbed):
    rules = scanning_rules_want([{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]}])
    stubbed.ecr.add_response("get_registry_scanning_configuration", {"registryId": ACCOUNT, "scanningConfiguration": {"scanType": "BASIC", "rules": rules}}, {})
    stubbed.ecr.add_response("put_registry_scanning_configuration", {}, {"scanType": "ENHANCED", "rules": rules})
    got = registry.converge_scanning(api(stubbed), "ENHANCED", None, check_mode=False)
    assert got["changed"] is True and got["registry_id"] == ACCOUNT
    assert got["before"]["scan_type"] == "BASIC" and got["after"]["scan_type"] == "ENHANCED"
    assert got["after"]["rules"] == got["before"]["rules"]


def test_account_setting(stubbed):
    stubbed.ecr.add_response("get_account_setting", {"name": "BLOB_MOUNTING", "value": "DISABLED"}, {"name": "BLOB_MOUNTING"})
    stubbed.ecr.add_response("put_account_setting", {"name": "BLOB_MOUNTING", "value": "ENABLED"}, {"name": "BLOB_MOUNTING", "value": "ENABLED"})
    got = registry.converge_account_setting(api(stubbed), "BLOB_MOUNTING", "ENABLED", check_mode=False)
    assert got == {"changed": True, "before": {"name": "BLOB_MOUNTING", "value": "DISABLED"}, "after": {"name": "BLOB_MOUNTING", "value": "ENABLED"}}
    stubbed.ecr.add_response("get_account_setting", {"name": "BLOB_MOUNTING", "value": "ENABLED"}, {"name": "BLOB_MOUNTING"})
    assert registry.converge_account_setting(api(stubbed), "BLOB_MOUNTING", "ENABLED", check_mode=False)["changed"] is False


def test_pull_time_exclusion_follows_pages_and_registers(stubbed):
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": [OTHER_ROLE], "nextToken": "t"}, {"maxResults": 1000})
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": []}, {"maxResults": 1000, "nextToken": "t"})
    stubbed.ecr.add_response("register_pull_time_update_exclusion", {"principalArn": ROLE}, {"principalArn": ROLE})
    got = registry.converge_pull_time_exclusion(api(stubbed), ROLE, "present", check_mode=False)
    assert got == {"changed": True, "before": False, "after": True}


def test_pull_time_exclusion_absent_in_check_mode(stubbed):
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": [ROLE]}, {"maxResults": 1000})
    got = registry.converge_pull_time_exclusion(api(stubbed, True), ROLE, "absent", check_mode=True)
    assert got == {"changed": True, "before": True, "after": False}


def test_signing_put_when_there_is_none(stubbed):
    rules = signing_rules_want([{"signing_profile_arn": PROFILE}])
    stubbed.ecr.add_client_error("get_signing_configuration", "SigningConfigurationNotFoundException")
    stubbed.ecr.add_response("put_signing_configuration", {"signingConfiguration": {"rules": rules}}, {"signingConfiguration": {"rules": rules}})
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": []}}, {})
    got = registry.converge_signing(api(stubbed), rules, check_mode=False)
    assert got["changed"] is True and got["before"] is None and got["registry_id"] == ACCOUNT
    assert got["after"] == [{"signing_profile_arn": PROFILE, "repository_filters": []}]
