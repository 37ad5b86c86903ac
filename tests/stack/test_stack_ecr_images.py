"""The local stack's image additions (scripts/stack_ecr/images.py): storage classes, image status, last
pull time, DescribeImages filters and pages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from helpers import client, image_manifest, unique
from stack_ecr.model import check_output


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture()
def repo(moto):
    ecr = client("ecr")
    name = unique("stackimg")
    ecr.create_repository(repositoryName=name)
    digests = []
    for n in range(3):
        put = ecr.put_image(repositoryName=name, imageManifest=image_manifest(name + str(n)), **({"imageTag": "t%d" % n} if n else {}))
        digests.append(put["image"]["imageId"]["imageDigest"])
    return name, digests


def test_describe_adds_status_and_honours_filters_and_pages(repo):
    ecr = client("ecr")
    name, digests = repo
    got = body(ecr.describe_images(repositoryName=name))
    assert check_output("DescribeImages", got) == []
    assert {d["imageStatus"] for d in got["imageDetails"]} == {"ACTIVE"}
    assert len(ecr.describe_images(repositoryName=name, filter={"tagStatus": "UNTAGGED"})["imageDetails"]) == 1
    assert len(ecr.describe_images(repositoryName=name, filter={"tagStatus": "TAGGED"})["imageDetails"]) == 2
    first = ecr.describe_images(repositoryName=name, maxResults=2)
    assert len(first["imageDetails"]) == 2 and first["nextToken"]
    rest = ecr.describe_images(repositoryName=name, maxResults=2, nextToken=first["nextToken"])
    assert len(rest["imageDetails"]) == 1 and "nextToken" not in rest
    with pytest.raises(ClientError) as error:
        ecr.describe_images(repositoryName=name, nextToken="nonsense")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"


def test_archive_restore_and_what_an_archived_image_refuses(repo):
    ecr = client("ecr")
    name, digests = repo
    archived = body(ecr.update_image_storage_class(repositoryName=name, imageId={"imageTag": "t1"}, targetStorageClass="ARCHIVE"))
    assert archived["imageStatus"] == "ARCHIVED" and check_output("UpdateImageStorageClass", archived) == []
    # the default filter shows active images only; by id or with ANY the archived one shows
    assert digests[1] not in [d["imageDigest"] for d in ecr.describe_images(repositoryName=name)["imageDetails"]]
    detail = ecr.describe_images(repositoryName=name, imageIds=[{"imageDigest": digests[1]}])["imageDetails"][0]
    assert detail["imageStatus"] == "ARCHIVED" and detail["lastArchivedAt"]
    listed = ecr.describe_images(repositoryName=name, filter={"imageStatus": "ARCHIVED"})["imageDetails"]
    assert [d["imageDigest"] for d in listed] == [digests[1]]
    assert len(ecr.describe_images(repositoryName=name, filter={"imageStatus": "ANY"})["imageDetails"]) == 3

    pulled = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "t1"}, {"imageTag": "t2"}])
    assert [i["imageId"]["imageDigest"] for i in pulled["images"]] == [digests[2]]
    assert pulled["failures"][0]["failureCode"] == "ImageNotFound"
    assert check_output("BatchGetImage", body(pulled)) == []
    assert ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "t2"}])["imageDetails"][0]["lastRecordedPullTime"]

    not_supported = "ImageStorageClassUpdateNotSupportedException"
    for call, code in (
        (lambda: ecr.start_image_scan(repositoryName=name, imageId={"imageTag": "t1"}), "ImageArchivedException"),
        (lambda: ecr.update_image_storage_class(repositoryName=name, imageId={"imageTag": "t1"}, targetStorageClass="ARCHIVE"), not_supported),
        (lambda: ecr.update_image_storage_class(repositoryName=name, imageId={"imageTag": "t2"}, targetStorageClass="STANDARD"), not_supported),
        (lambda: ecr.update_image_storage_class(repositoryName=name, imageId={"imageTag": "nope"}, targetStorageClass="ARCHIVE"), "ImageNotFoundException"),
        (
            lambda: ecr.update_image_storage_class(repositoryName=name + "-x", imageId={"imageTag": "t1"}, targetStorageClass="ARCHIVE"),
            "RepositoryNotFoundException",
        ),  # noqa: E501
        (lambda: ecr.update_image_storage_class(repositoryName=name, imageId={"imageTag": "t1"}, targetStorageClass="GLACIER"), "ValidationException"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == code

    restored = ecr.update_image_storage_class(repositoryName=name, imageId={"imageDigest": digests[1]}, targetStorageClass="STANDARD")
    assert restored["imageStatus"] == "ACTIVATING"
    detail = ecr.describe_images(repositoryName=name, imageIds=[{"imageDigest": digests[1]}])["imageDetails"][0]
    assert detail["imageStatus"] == "ACTIVE" and detail["lastActivatedAt"] >= detail["lastArchivedAt"]


def test_scan_status_shows_in_describe(repo):
    ecr = client("ecr")
    name, _digests = repo
    ecr.start_image_scan(repositoryName=name, imageId={"imageTag": "t2"})
    detail = body(ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "t2"}]))
    assert check_output("DescribeImages", detail) == []
    image = detail["imageDetails"][0]
    assert image["imageScanStatus"]["status"] == "COMPLETE"
    assert image["imageScanFindingsSummary"]["findingSeverityCounts"] == {"HIGH": 1}


def test_images_put_one_after_another_have_distinct_push_times_in_that_order(moto):
    ecr = client("ecr")
    name = unique("stackorder")
    ecr.create_repository(repositoryName=name)
    digests = [ecr.put_image(repositoryName=name, imageManifest=image_manifest("%s %d" % (name, n)))["image"]["imageId"]["imageDigest"] for n in range(5)]
    pushed = {d["imageDigest"]: d["imagePushedAt"] for d in ecr.describe_images(repositoryName=name)["imageDetails"]}
    times = [pushed[d] for d in digests]
    assert times == sorted(times) and len(set(times)) == 5, times
    # another tag on an image already there keeps its push time
    ecr.put_image(repositoryName=name, imageManifest=image_manifest("%s 0" % name), imageTag="again")
    assert ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "again"}])["imageDetails"][0]["imagePushedAt"] == times[0]
