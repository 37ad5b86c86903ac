"""ecr_replication_backfill's flow (_flows/backfill.py) on a stubbed ECR client: a destination with an image not
replicated gets a backfill, one with a backfill running or nothing missing gets none, check mode writes nothing."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._flows.backfill import backfill_report
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, StowageError

from ...conftest import ACCOUNT, Clock

DESTINATION = {"region": "eu-west-1", "registryId": ACCOUNT}
RULE = {"destinations": [DESTINATION], "repositoryFilters": [{"filter": "team/", "filterType": "PREFIX_MATCH"}]}
DIGEST = "sha256:" + "a" * 64
STARTED = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
ID = "0123abcd-0000-4000-8000-000000000001"
PROGRESS = {"totalReplicationCount": 1, "completedReplicationCount": 1, "failedReplicationCount": 0, "failureCodes": []}


def params(**given):
    return dict({"destinations": None, "state": "started", "missing_only": True, "method": "backfill", "wait": False, "wait_timeout": 600}, **given)


def registry(stubbed, rules=(RULE,)):
    stubbed.ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": list(rules)}}, {})


def backfills(stubbed, *found):
    stubbed.ecr.add_response("list_replication_backfills", {"backfills": list(found)}, {"maxResults": 50})


def summary(status):
    return {"replicationBackfillId": ID, "destination": DESTINATION, "status": status, "startedAt": STARTED, "progress": PROGRESS}


def images(stubbed, status):
    repositories = [
        {"repositoryName": name, "registryId": ACCOUNT, "repositoryArn": "arn:aws:ecr:us-east-1:%s:repository/%s" % (ACCOUNT, name)}
        for name in ("team/api", "other")
    ]
    stubbed.ecr.add_response("describe_repositories", {"repositories": repositories}, {})
    stubbed.ecr.add_response(
        "describe_images",
        {"imageDetails": [{"registryId": ACCOUNT, "repositoryName": "team/api", "imageDigest": DIGEST}]},
        {"repositoryName": "team/api", "filter": {"tagStatus": "ANY", "imageStatus": "ACTIVE"}, "maxResults": 1000},
    )
    answer = {"repositoryName": "team/api", "imageId": {"imageDigest": DIGEST}, "replicationStatuses": [dict(DESTINATION, status=status)]}
    stubbed.ecr.add_response("describe_image_replication_status", answer, {"repositoryName": "team/api", "imageId": {"imageDigest": DIGEST}})


def test_check_mode_counts_what_is_missing_and_writes_nothing(stubbed):
    registry(stubbed)
    backfills(stubbed)
    images(stubbed, "FAILED")
    got = backfill_report(stubbed.module(check_mode=True, **params()))
    assert got["changed"] and got["missing"] == [{"region": "eu-west-1", "registry_id": ACCOUNT, "images": 1}]
    assert got["started"] == [{"region": "eu-west-1", "registry_id": ACCOUNT, "id": None, "status": None}]
    assert got["diff"]["before"] == got["diff"]["after"]


def test_start_then_wait_reports_the_results(stubbed):
    registry(stubbed)
    backfills(stubbed)
    images(stubbed, "FAILED")
    answer = {"replicationBackfillId": ID, "registryId": ACCOUNT, "destination": DESTINATION, "status": "PREPARING", "startedAt": STARTED}
    stubbed.ecr.add_response("start_replication_backfill", answer, {"destination": DESTINATION})
    backfills(stubbed, summary("COMPLETE"))
    results = dict(summary("COMPLETE"), results=[{"repositoryName": "team/api", "imageId": {"imageDigest": DIGEST}, "status": "COMPLETE"}])
    stubbed.ecr.add_response("describe_replication_backfill_results", results, {"replicationBackfillId": ID, "maxResults": 1000})
    got = backfill_report(stubbed.module(**params(wait=True)))
    assert got["changed"] and got["started"][0]["id"] == ID and got["started"][0]["status"] == "PREPARING"
    (view,) = got["backfills"]
    assert view["status"] == "COMPLETE" and view["results"] == {"complete": 1, "failed": 0} and view["started_at"] == STARTED.isoformat()
    assert "results" not in got["diff"]["after"]["backfills"][0]


@pytest.mark.parametrize("running, status", [(True, "FAILED"), (False, "COMPLETE")])
def test_nothing_started_while_running_or_with_nothing_missing(stubbed, running, status):
    registry(stubbed)
    backfills(stubbed, *([summary("IN_PROGRESS")] if running else []))
    images(stubbed, status)
    got = backfill_report(stubbed.module(**params()))
    assert not got["changed"] and got["started"] == []


def test_stop_the_running_backfill(stubbed):
    registry(stubbed)
    backfills(stubbed, summary("IN_PROGRESS"))
    answer = {"replicationBackfillId": ID, "registryId": ACCOUNT, "destination": DESTINATION, "status": "STOPPING", "startedAt": STARTED}
    stubbed.ecr.add_response("stop_replication_backfill", answer, {"replicationBackfillId": ID})
    backfills(stubbed, summary("STOPPED"))
    got = backfill_report(stubbed.module(**params(state="stopped")))
    assert got["changed"] and got["stopped"][0]["status"] == "STOPPING" and got["backfills"][0]["status"] == "STOPPED"
    assert got["diff"]["before"]["backfills"][0]["status"] == "IN_PROGRESS"


def test_a_destination_no_rule_has_is_refused_before_any_write(stubbed):
    registry(stubbed)
    with pytest.raises(InputError, match=r"destinations\[0\]: us-east-2/"):
        backfill_report(stubbed.module(**params(destinations=[{"region": "us-east-2", "registry_id": None}])))


def test_wait_polls_with_backoff_and_fails_with_the_result_at_the_timeout(stubbed):
    registry(stubbed)
    backfills(stubbed, summary("IN_PROGRESS"))
    for _attempt in range(5):  # the read before the wait, then one after each wait (1, 2, 4 seconds; the last cut to 3)
        backfills(stubbed, summary("IN_PROGRESS"))
    clock = Clock()
    with pytest.raises(StowageError, match=r"still running after wait_timeout \(10 seconds\)") as error:
        backfill_report(stubbed.module(**params(missing_only=False, wait=True, wait_timeout=10)), sleep=clock.sleep, clock=clock)
    assert clock.slept == [1, 2, 4, 3]
    assert error.value.result["backfills"][0]["status"] == "IN_PROGRESS" and not error.value.result["changed"]


def test_a_backfill_running_to_another_registry_in_the_region_holds_the_start(stubbed):
    other = {"region": "eu-west-1", "registryId": "210987654321"}
    registry(stubbed, rules=[{"destinations": [DESTINATION, other]}])
    backfills(stubbed, dict(summary("IN_PROGRESS"), destination=other))
    got = backfill_report(stubbed.module(**params(missing_only=False, destinations=[{"region": "eu-west-1", "registry_id": None}])))
    assert not got["changed"] and got["started"] == [] and got["backfills"][0]["id"] is None
