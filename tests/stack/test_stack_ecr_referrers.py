"""The local stack's ListImageReferrers (scripts/stack_ecr/images.py) and DescribeImageSigningStatus
(scripts/stack_ecr/signing.py)."""

from __future__ import annotations

import hashlib
import json

import pytest
from botocore.exceptions import ClientError
from helpers import client, unique
from stack_ecr.model import check_output

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY = {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2, "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()}
SIGNATURE = "application/vnd.cncf.notary.signature"
SBOM = "application/spdx+json"
PROFILE = "arn:aws:signer:ap-south-1:123456789012:/signing-profiles/stack_test"
OTHER_PROFILE = "arn:aws:signer:ap-south-1:123456789012:/signing-profiles/stack_other"


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def code(error):
    return error.value.response["Error"]["Code"]


def put(name: str, document: dict, tag: str | None = None) -> str:
    text = json.dumps(document)
    digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    kwargs = {"imageTag": tag} if tag else {}
    client("ecr").put_image(repositoryName=name, imageManifest=text, imageManifestMediaType=OCI_MANIFEST, imageDigest=digest, **kwargs)
    return digest


def image(seed: str) -> dict:
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 9, "digest": "sha256:" + hashlib.sha256(seed.encode()).hexdigest()}
    config = {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 9, "digest": layer["digest"]}
    return {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]}


def artifact(subject: str, artifact_type: str, seed: str, **extra) -> dict:
    blob = {"mediaType": artifact_type, "size": 9, "digest": "sha256:" + hashlib.sha256(seed.encode()).hexdigest()}
    document = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type, "config": EMPTY, "layers": [blob]}
    document["subject"] = {"mediaType": OCI_MANIFEST, "size": 100, "digest": subject}
    document.update(extra)
    return document


@pytest.fixture()
def subject(moto):
    ecr = client("ecr")
    name = unique("stackref")
    ecr.create_repository(repositoryName=name)
    return name, put(name, image(name), "v1")


def test_referrers_of_an_image_filtered_and_paged(subject):
    ecr = client("ecr")
    name, digest = subject
    signature = put(name, artifact(digest, SIGNATURE, name + "sig", annotations={"io.cncf.notary.x509chain.thumbprint#S256": "[]"}))
    sbom_document = artifact(digest, SBOM, name + "sbom")
    del sbom_document["artifactType"]  # the older form: the artifact's type as its config's media type
    sbom_document["config"] = dict(EMPTY, mediaType=SBOM)
    sbom = put(name, sbom_document)
    put(name, image(name + "unrelated"))
    put(name, artifact("sha256:" + "0" * 64, SIGNATURE, name + "elsewhere"))

    got = body(ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}))
    assert check_output("ListImageReferrers", got) == []
    by_digest = {r["digest"]: r for r in got["referrers"]}
    assert set(by_digest) == {signature, sbom} and "nextToken" not in got
    assert by_digest[signature]["artifactType"] == SIGNATURE and by_digest[signature]["mediaType"] == OCI_MANIFEST
    assert by_digest[signature]["annotations"] == {"io.cncf.notary.x509chain.thumbprint#S256": "[]"}
    assert by_digest[sbom]["artifactType"] == SBOM and by_digest[sbom]["artifactStatus"] == "ACTIVE" and by_digest[sbom]["size"] > 0

    only = ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, filter={"artifactTypes": [SBOM]})["referrers"]
    assert [r["digest"] for r in only] == [sbom]
    first = ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, maxResults=1)
    rest = ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, maxResults=1, nextToken=first["nextToken"])
    assert {first["referrers"][0]["digest"], rest["referrers"][0]["digest"]} == {signature, sbom} and "nextToken" not in rest

    # left unfiltered, active artifacts only; ANY or ARCHIVED shows an archived one
    ecr.update_image_storage_class(repositoryName=name, imageId={"imageDigest": sbom}, targetStorageClass="ARCHIVE")
    assert [r["digest"] for r in ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest})["referrers"]] == [signature]
    archived = ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, filter={"artifactStatus": "ARCHIVED"})["referrers"]
    assert [(r["digest"], r["artifactStatus"]) for r in archived] == [(sbom, "ARCHIVED")]
    assert len(ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, filter={"artifactStatus": "ANY"})["referrers"]) == 2
    assert ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": signature})["referrers"] == []


def test_referrers_refusals(subject):
    ecr = client("ecr")
    name, digest = subject
    for call, expected in (
        (lambda: ecr.list_image_referrers(repositoryName=name + "-x", subjectId={"imageDigest": digest}), "RepositoryNotFoundException"),
        (lambda: ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, maxResults=51), "ValidationException"),
        (lambda: ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, filter={"artifactTypes": ["a"] * 6}), "ValidationException"),
        (lambda: ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": digest}, nextToken="nonsense"), "InvalidParameterException"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert code(error) == expected


def test_signing_status_follows_the_registry_signing_rules(subject):
    ecr = client("ecr")
    name, digest = subject
    query = {"repositoryName": name, "imageId": {"imageDigest": digest}}
    got = body(ecr.describe_image_signing_status(**query))
    assert check_output("DescribeImageSigningStatus", got) == []
    assert got == {"registryId": "123456789012", "repositoryName": name, "imageId": {"imageDigest": digest}, "signingStatuses": []}
    rules = [
        {"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "stackref*", "filterType": "WILDCARD_MATCH"}]},
        {"signingProfileArn": OTHER_PROFILE, "repositoryFilters": [{"filter": "*/production", "filterType": "WILDCARD_MATCH"}]},
        {"signingProfileArn": PROFILE},
    ]
    ecr.put_signing_configuration(signingConfiguration={"rules": rules})
    try:
        got = body(ecr.describe_image_signing_status(repositoryName=name, imageId={"imageTag": "v1"}))
        assert check_output("DescribeImageSigningStatus", got) == []
        assert got["imageId"] == {"imageDigest": digest, "imageTag": "v1"}
        assert got["signingStatuses"] == [{"signingProfileArn": PROFILE, "status": "COMPLETE"}]
    finally:
        ecr.delete_signing_configuration()
    for call, expected in (
        (lambda: ecr.describe_image_signing_status(repositoryName=name, imageId={"imageTag": "nope"}), "ImageNotFoundException"),
        (lambda: ecr.describe_image_signing_status(repositoryName=name + "-x", imageId={"imageDigest": digest}), "RepositoryNotFoundException"),
        (lambda: ecr.describe_image_signing_status(repositoryName=name, imageId={}), "ValidationException"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert code(error) == expected


def test_describe_images_names_a_referrers_subject(subject):
    name, digest = subject
    signature = put(name, artifact(digest, SIGNATURE, "sig"))
    details = {d["imageDigest"]: d for d in client("ecr").describe_images(repositoryName=name)["imageDetails"]}
    assert details[signature]["subjectManifestDigest"] == digest and details[signature]["artifactMediaType"] == SIGNATURE
    assert "subjectManifestDigest" not in details[digest] and "artifactMediaType" not in details[digest]
    assert check_output("DescribeImages", {"imageDetails": list(details.values())}) == []
