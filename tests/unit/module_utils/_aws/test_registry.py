"""RegistryApi on the shared core: pages of the largest size, the look-ups of AwsApi."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi

ACCOUNT = "123456789012"


def rule(prefix):
    return {"ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": "public.ecr.aws", "registryId": ACCOUNT}


def test_rules_are_read_over_every_page(stubs):
    module, stubbers = stubs
    api = RegistryApi(module)
    assert api.region == "us-east-1"
    stub = stubbers["ecr"]
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule("ecr-public")], "nextToken": "t"}, {"maxResults": 1000})
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule("quay")]}, {"maxResults": 1000, "nextToken": "t"})
    assert [r["ecrRepositoryPrefix"] for r in api.describe_pull_through_cache_rules()] == ["ecr-public", "quay"]
    # one prefix: the rule of that prefix, None when ECR has none
    asked = {"maxResults": 1000, "ecrRepositoryPrefixes": ["quay"], "registryId": ACCOUNT}
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule("quay")]}, asked)
    assert api.pull_through_cache_rule("quay", ACCOUNT) == rule("quay")
    stub.add_client_error("describe_pull_through_cache_rules", "PullThroughCacheRuleNotFoundException", expected_params=asked)
    assert api.pull_through_cache_rule("quay", ACCOUNT) is None


def test_account_and_key_lookups(stubs):
    module, stubbers = stubs
    api = RegistryApi(module)
    stubbers["sts"].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::%s:user/u" % ACCOUNT, "UserId": "U"})
    assert api.caller_account() == ACCOUNT
    stubbers["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": "alias/gone"})
    assert api.kms_key_arn("alias/gone") is None


BACKFILL_ID = "0123abcd-0000-4000-8000-00000000000%d"
DESTINATION = {"region": "eu-west-1", "registryId": ACCOUNT}
STARTED = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
PROGRESS = {"totalReplicationCount": 2, "completedReplicationCount": 2, "failedReplicationCount": 0, "failureCodes": []}


def summary(n, status="COMPLETE"):
    return {"replicationBackfillId": BACKFILL_ID % n, "destination": DESTINATION, "status": status, "startedAt": STARTED, "progress": PROGRESS}


def result(tag):
    return {"repositoryName": "app", "imageId": {"imageTag": tag}, "status": "COMPLETE"}


def test_backfills_listed_over_every_page_50_to_a_call(stubs):
    module, stubbers = stubs
    api, stub = RegistryApi(module), stubbers["ecr"]
    stub.add_response("list_replication_backfills", {"backfills": [summary(1)], "nextToken": "t"}, {"maxResults": 50})
    stub.add_response("list_replication_backfills", {"backfills": [summary(2, "IN_PROGRESS")]}, {"maxResults": 50, "nextToken": "t"})
    assert [b["status"] for b in api.replication_backfills()] == ["COMPLETE", "IN_PROGRESS"]


def test_backfill_results_of_every_page_with_the_status(stubs):
    module, stubbers = stubs
    api, stub = RegistryApi(module), stubbers["ecr"]
    asked = {"replicationBackfillId": BACKFILL_ID % 1, "maxResults": 1000}
    stub.add_response("describe_replication_backfill_results", dict(summary(1), results=[result("a")], nextToken="t"), asked)
    stub.add_response("describe_replication_backfill_results", dict(summary(1), results=[result("b")]), dict(asked, nextToken="t"))
    found = api.replication_backfill_results(BACKFILL_ID % 1)
    assert found["status"] == "COMPLETE" and found["progress"] == PROGRESS and "nextToken" not in found
    assert [r["imageId"]["imageTag"] for r in found["results"]] == ["a", "b"]
    stub.add_client_error("describe_replication_backfill_results", "ReplicationBackfillNotFoundException", expected_params=asked)
    assert api.replication_backfill_results(BACKFILL_ID % 1) is None


def test_start_and_stop_a_backfill(stubs):
    module, stubbers = stubs
    api, stub = RegistryApi(module), stubbers["ecr"]
    started = {"replicationBackfillId": BACKFILL_ID % 3, "registryId": ACCOUNT, "destination": DESTINATION, "status": "PREPARING", "startedAt": STARTED}
    stub.add_response("start_replication_backfill", started, {"destination": DESTINATION})
    assert api.start_replication_backfill(DESTINATION) == started
    stub.add_response("stop_replication_backfill", dict(started, status="STOPPING"), {"replicationBackfillId": BACKFILL_ID % 3})
    assert api.stop_replication_backfill(BACKFILL_ID % 3)["status"] == "STOPPING"
    stub.add_client_error("stop_replication_backfill", "ReplicationBackfillInvalidStatusException", expected_params={"replicationBackfillId": BACKFILL_ID % 3})
    assert api.stop_replication_backfill(BACKFILL_ID % 3) is None
    stub.add_client_error("start_replication_backfill", "ReplicationBackfillInProgressException", expected_params={"destination": DESTINATION})
    with pytest.raises(ClientError):
        api.start_replication_backfill(DESTINATION)
