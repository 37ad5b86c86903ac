"""The local stack's replication backfills and image replication status (scripts/stack_ecr/backfill.py)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import client, image_manifest, unique
from stack_ecr.model import check_output

ACCOUNT = "123456789012"


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture()
def source(moto):
    """Two repositories under a prefix of their own with two images each, one repository outside it, and the
    replication configuration restored afterwards: (prefix, {repository: [digests]}, outsider)."""
    ecr = client("ecr")
    saved = ecr.describe_registry()["replicationConfiguration"]
    prefix = unique("bf")
    images = {}
    for name in (prefix + "/a", prefix + "/b", unique("other")):
        ecr.create_repository(repositoryName=name)
        puts = [ecr.put_image(repositoryName=name, imageManifest=image_manifest(name + str(n)), imageTag="t%d" % n) for n in range(2)]
        images[name] = [put["image"]["imageId"]["imageDigest"] for put in puts]
    outsider = [n for n in images if not n.startswith(prefix)][0]
    yield prefix, images, outsider
    ecr.put_replication_configuration(replicationConfiguration=saved)
    Path(moto["recording"]).parent.joinpath("backfill.json").unlink(missing_ok=True)


def rules(prefix: str, region: str) -> dict:
    return {"rules": [{"destinations": [{"region": region, "registryId": ACCOUNT}], "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}]}


def test_backfill_copies_what_the_destination_lacks(source):
    prefix, images, outsider = source
    ecr = client("ecr")
    ecr.put_replication_configuration(replicationConfiguration=rules(prefix, "eu-west-1"))
    status = body(ecr.describe_image_replication_status(repositoryName=prefix + "/a", imageId={"imageTag": "t0"}))
    assert check_output("DescribeImageReplicationStatus", status) == []
    assert status["imageId"] == {"imageDigest": images[prefix + "/a"][0], "imageTag": "t0"}
    assert status["replicationStatuses"] == [{"region": "eu-west-1", "registryId": ACCOUNT, "status": "FAILED", "failureCode": "IMAGE_NOT_REPLICATED"}]
    assert ecr.describe_image_replication_status(repositoryName=outsider, imageId={"imageTag": "t0"})["replicationStatuses"] == []

    destination = {"region": "eu-west-1", "registryId": ACCOUNT}
    started = body(ecr.start_replication_backfill(destination=destination))
    assert check_output("StartReplicationBackfill", started) == []
    assert started["status"] == "PREPARING" and started["destination"] == destination and started["registryId"] == ACCOUNT

    listed = body(ecr.list_replication_backfills())
    assert check_output("ListReplicationBackfills", listed) == []
    mine = [b for b in listed["backfills"] if b["replicationBackfillId"] == started["replicationBackfillId"]]
    assert mine[0]["status"] == "COMPLETE" and mine[0]["endedAt"]
    assert mine[0]["progress"] == {"totalReplicationCount": 4, "completedReplicationCount": 4, "failedReplicationCount": 0, "failureCodes": []}

    results = body(ecr.describe_replication_backfill_results(replicationBackfillId=started["replicationBackfillId"], maxResults=3))
    assert check_output("DescribeReplicationBackfillResults", results) == []
    assert len(results["results"]) == 3 and results["nextToken"]
    rest = ecr.describe_replication_backfill_results(replicationBackfillId=started["replicationBackfillId"], nextToken=results["nextToken"])
    everything = results["results"] + rest["results"]
    assert {(r["repositoryName"], r["imageId"]["imageDigest"], r["status"]) for r in everything} == {
        (name, digest, "COMPLETE") for name in (prefix + "/a", prefix + "/b") for digest in images[name]
    }
    assert ecr.describe_replication_backfill_results(replicationBackfillId=started["replicationBackfillId"], resultStatusFilter="FAILED")["results"] == []

    there = boto3.client("ecr", region_name="eu-west-1")
    for name in (prefix + "/a", prefix + "/b"):
        assert sorted(i["imageDigest"] for i in there.list_images(repositoryName=name)["imageIds"]) == sorted(images[name])
    with pytest.raises(ClientError) as error:
        there.describe_repositories(repositoryNames=[outsider])
    assert error.value.response["Error"]["Code"] == "RepositoryNotFoundException"
    status = ecr.describe_image_replication_status(repositoryName=prefix + "/b", imageId={"imageDigest": images[prefix + "/b"][1]})
    assert status["replicationStatuses"] == [dict(destination, status="COMPLETE")]

    again = ecr.start_replication_backfill(destination=destination)
    summary = ecr.describe_replication_backfill_results(replicationBackfillId=again["replicationBackfillId"])
    assert summary["progress"]["totalReplicationCount"] == 0 and summary["status"] == "COMPLETE"


def test_running_backfill_blocks_its_region_and_stops(source, moto):
    prefix, images, _outsider = source
    Path(moto["recording"]).parent.joinpath("backfill.json").write_text(json.dumps({"seconds": 600}))
    ecr = client("ecr")
    ecr.put_replication_configuration(replicationConfiguration=rules(prefix, "eu-north-1"))
    destination = {"region": "eu-north-1", "registryId": ACCOUNT}
    started = ecr.start_replication_backfill(destination=destination)
    described = ecr.describe_replication_backfill_results(replicationBackfillId=started["replicationBackfillId"])
    assert described["status"] == "IN_PROGRESS" and described["results"] == [] and "endedAt" not in described
    status = ecr.describe_image_replication_status(repositoryName=prefix + "/a", imageId={"imageTag": "t1"})
    assert status["replicationStatuses"] == [dict(destination, status="IN_PROGRESS")]
    with pytest.raises(ClientError) as error:
        ecr.start_replication_backfill(destination=destination)
    assert error.value.response["Error"]["Code"] == "ReplicationBackfillInProgressException"

    stopped = body(ecr.stop_replication_backfill(replicationBackfillId=started["replicationBackfillId"]))
    assert check_output("StopReplicationBackfill", stopped) == []
    assert stopped["status"] == "STOPPED"
    with pytest.raises(ClientError) as error:
        ecr.stop_replication_backfill(replicationBackfillId=started["replicationBackfillId"])
    assert error.value.response["Error"]["Code"] == "ReplicationBackfillInvalidStatusException"
    with pytest.raises(ClientError) as error:
        boto3.client("ecr", region_name="eu-north-1").describe_repositories(repositoryNames=[prefix + "/a"])
    assert error.value.response["Error"]["Code"] == "RepositoryNotFoundException"


@pytest.mark.parametrize(
    "call, code",
    [
        (lambda ecr: ecr.start_replication_backfill(destination={"region": "sa-east-1", "registryId": ACCOUNT}), "InvalidParameterException"),
        (lambda ecr: ecr.start_replication_backfill(destination={"region": "sa-east-1", "registryId": "12"}), "ValidationException"),
        (lambda ecr: ecr.stop_replication_backfill(replicationBackfillId="00000000-0000-0000-0000-000000000000"), "ReplicationBackfillNotFoundException"),
        (lambda ecr: ecr.describe_replication_backfill_results(replicationBackfillId="nope"), "ValidationException"),
        (lambda ecr: ecr.list_replication_backfills(nextToken="nonsense"), "InvalidParameterException"),
        (lambda ecr: ecr.describe_image_replication_status(repositoryName="no-such-repo", imageId={"imageTag": "x"}), "RepositoryNotFoundException"),
    ],
)
def test_refusals(source, call, code):
    with pytest.raises(ClientError) as error:
        call(client("ecr"))
    assert error.value.response["Error"]["Code"] == code


def test_missing_image_is_refused(source):
    prefix, _images, _outsider = source
    with pytest.raises(ClientError) as error:
        client("ecr").describe_image_replication_status(repositoryName=prefix + "/a", imageId={"imageTag": "absent"})
    assert error.value.response["Error"]["Code"] == "ImageNotFoundException"
