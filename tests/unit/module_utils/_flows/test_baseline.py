"""The registry baseline (_flows/baseline.py): the pure parts (which sections, the purge switches, account
settings, option paths) and the run on a stubbed ECR client: one read a section, every section's errors before
any call that writes, the writes in order, check mode, and a failure part-way."""

from __future__ import annotations

import json

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import policy_text
from ansible_collections.stowage.ecr.plugins.module_utils._flows import baseline
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, PartialFailure

from ...conftest import ACCOUNT

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:ReplicateImage", "Resource": "*"}]}
ROLE = "arn:aws:iam::%s:role/ci" % ACCOUNT
OLD_ROLE = "arn:aws:iam::%s:role/old" % ACCOUNT
RULE = {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}], "repositoryFilters": [{"filter": "team", "filterType": "PREFIX_MATCH"}]}
REPLICATION = [{"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "team", "filter_type": "PREFIX_MATCH"}]}]


def params(**given):
    """The module's params: every option null or false but those ``given``."""
    options = dict.fromkeys(
        (
            "registry_id",
            "account_settings",
            "policy",
            "scan_type",
            "scanning_rules",
            "repository_creation_templates",
            "pull_through_cache_rules",
            "replication_rules",
            "pull_time_update_exclusions",
            "signing_rules",
        )
    )
    options.update({"purge_" + name: False for name in ("policy", "signing_rules") + baseline.LIST_PURGES}, strict=False)
    options.update(given)
    return options


@pytest.fixture
def serial(monkeypatch):
    """One thread, so that the Stubber's answers come in the order of the sections."""
    monkeypatch.setattr(baseline, "RegistryApi", lambda module: RegistryApi(module, workers=1))


def test_given_sections_in_write_order():
    assert baseline.given(params()) == []
    assert baseline.given(params(signing_rules=[], purge_policy=True, scan_type="BASIC", replication_rules=[])) == [
        "policy",
        "scanning",
        "replication_rules",
        "signing_rules",
    ]


def test_purge_switches_that_do_not_go_with_the_rest():
    problems = baseline.check_switches(params(purge_replication_rules=True, purge_policy=True, policy=POLICY))
    assert problems == [
        "purge_replication_rules: give replication_rules too, the list to keep ([] removes all)",
        "purge_policy: deletes the registry policy; not together with policy (give one of them)",
    ]


def test_account_settings_as_a_dict_or_a_list():
    assert baseline.want_account_settings(params(account_settings={"blob_mounting": "enabled"})) == [("BLOB_MOUNTING", "ENABLED")]
    listed = [{"name": "BLOB_MOUNTING", "value": "DISABLED"}, {"name": "REGISTRY_POLICY_SCOPE", "value": "v2"}]
    assert baseline.want_account_settings(params(account_settings=listed)) == [("BLOB_MOUNTING", "DISABLED"), ("REGISTRY_POLICY_SCOPE", "V2")]
    with pytest.raises(InputError, match=r"^account_settings\[1\]\.value: 'V9' is not accepted"):
        baseline.want_account_settings(params(account_settings=[listed[0], {"name": "REGISTRY_POLICY_SCOPE", "value": "V9"}]))
    with pytest.raises(InputError, match="^account_settings: each setting once; listed more than once: BLOB_MOUNTING"):
        baseline.want_account_settings(params(account_settings=[listed[0], dict(listed[0], name="blob_mounting")]))
    with pytest.raises(InputError, match="^account_settings: give a dict"):
        baseline.want_account_settings(params(account_settings="BLOB_MOUNTING=ENABLED"))


def test_option_paths_from_the_single_section_modules():
    assert str(baseline.renamed(InputError("rules[0].scan_frequency: no"), "rules", "scanning_rules")) == "scanning_rules[0].scan_frequency: no"
    assert str(baseline.renamed(InputError("scan_type: no"), "rules", "scanning_rules")) == "scan_type: no"
    assert str(baseline.within("repository_creation_templates[2]", InputError("applied_for: no"))) == "repository_creation_templates[2].applied_for: no"


def test_a_no_op_reads_each_section_once_and_writes_nothing(stubbed, serial):
    stubbed.ecr.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": json.dumps(POLICY)}, {})
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": [RULE]}}, {})
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": [ROLE]}, {"maxResults": 1000})
    module = stubbed.module(**params(registry_id=ACCOUNT, policy=POLICY, replication_rules=REPLICATION, pull_time_update_exclusions=[ROLE]))
    got = baseline.baseline_report(module)
    stubbed.ecr.assert_no_pending_responses()
    assert got["changed"] is False and got["diff"] == [] and got["registry_id"] == ACCOUNT
    assert {name: section["changed"] for name, section in got["sections"].items()} == {
        "policy": False,
        "replication_rules": False,
        "pull_time_update_exclusions": False,
    }


def test_every_section_error_before_any_call(stubbed, serial):
    module = stubbed.module(
        **params(
            scanning_rules=[{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "Bad", "filter_type": "WILDCARD"}]}],
            signing_rules=[{"signing_profile_arn": "nope", "repository_filters": None}],
            pull_time_update_exclusions=[ROLE, ROLE],
            purge_replication_rules=True,
        )
    )
    with pytest.raises(InputError) as refused:
        baseline.baseline_report(module)
    message = str(refused.value)
    for part in (
        "purge_replication_rules: give replication_rules too",
        "scanning_rules[0].repository_filters[0].filter: 'Bad' is not accepted",
        "pull_time_update_exclusions: each principal ARN once",
        "(nothing was changed)",
    ):
        assert part in message
    stubbed.ecr.assert_no_pending_responses()


def test_a_live_check_of_one_section_stops_every_write(stubbed, serial):
    # the scanning rule does not go with the live BASIC scan type: the policy, whose read passed, is not written either
    stubbed.ecr.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException")
    stubbed.ecr.add_response("get_registry_scanning_configuration", {"registryId": ACCOUNT, "scanningConfiguration": {"scanType": "BASIC", "rules": []}}, {})
    scanning = [{"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]}]
    with pytest.raises(InputError, match=r"^scanning_rules\[0\]\.scan_frequency: CONTINUOUS_SCAN is not accepted with scan type BASIC"):
        baseline.baseline_report(stubbed.module(**params(policy=POLICY, scanning_rules=scanning)))
    stubbed.ecr.assert_no_pending_responses()


def test_writes_in_order_and_check_mode_writes_nothing(stubbed, serial):
    given = params(policy=POLICY, pull_time_update_exclusions=[ROLE], purge_pull_time_update_exclusions=True, replication_rules=REPLICATION)
    stubbed.ecr.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException")
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": []}}, {})
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": [OLD_ROLE]}, {"maxResults": 1000})
    checked = baseline.baseline_report(stubbed.module(check_mode=True, **given))
    stubbed.ecr.assert_no_pending_responses()
    assert checked["changed"] and [d["before_header"] for d in checked["diff"]] == ["policy", "replication_rules", "pull_time_update_exclusions"]
    assert checked["sections"]["pull_time_update_exclusions"] == {"changed": True, "before": [OLD_ROLE], "after": [ROLE]}

    stubbed.ecr.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException")
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": []}}, {})
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": [OLD_ROLE]}, {"maxResults": 1000})
    stubbed.ecr.add_response("put_registry_policy", {"registryId": ACCOUNT, "policyText": policy_text(POLICY)}, {"policyText": policy_text(POLICY)})
    stubbed.ecr.add_response("put_replication_configuration", {"replicationConfiguration": {"rules": [RULE]}}, {"replicationConfiguration": {"rules": [RULE]}})
    stubbed.ecr.add_response("register_pull_time_update_exclusion", {"principalArn": ROLE}, {"principalArn": ROLE})
    stubbed.ecr.add_response("deregister_pull_time_update_exclusion", {"principalArn": OLD_ROLE}, {"principalArn": OLD_ROLE})
    real = baseline.baseline_report(stubbed.module(**given))
    stubbed.ecr.assert_no_pending_responses()
    assert real["changed"] and real["sections"]["policy"]["after"] == POLICY and real["registry_id"] == ACCOUNT


def test_a_failure_part_way_carries_what_was_written(stubbed, serial):
    stubbed.ecr.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException")
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": []}}, {})
    stubbed.ecr.add_response("put_registry_policy", {"registryId": ACCOUNT, "policyText": policy_text(POLICY)}, {"policyText": policy_text(POLICY)})
    stubbed.ecr.add_client_error("put_replication_configuration", "ValidationException", "no")
    with pytest.raises(PartialFailure) as failed:
        baseline.baseline_report(stubbed.module(**params(policy=POLICY, replication_rules=REPLICATION)))
    result = failed.value.result
    assert result["changed"] is True and list(result["sections"]) == ["policy"]
    assert result["failed_section"] == "replication_rules" and result["not_written"] == ["replication_rules"]
