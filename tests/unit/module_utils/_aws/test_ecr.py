"""EcrApi's calls, on a stubbed ECR client: what each asks and how it answers ECR's expected refusals."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi, LookupFailed
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import MANAGED_KMS_ALIAS, InputError

ACCOUNT = "123456789012"
# a lifecycle policy as ECR takes it (100 characters at least)
POLICY_TEXT = json.dumps(
    {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]}
)

OTHER = "210987654321"
D = {c: "sha256:" + c * 64 for c in "abcdef"}
REPO = {"repositoryName": "app", "repositoryArn": "arn:aws:ecr:us-east-1:%s:repository/app" % ACCOUNT, "registryId": ACCOUNT}


def image(digest, *tags):
    return {"registryId": ACCOUNT, "repositoryName": "app", "imageDigest": digest, "imageTags": list(tags)}


@pytest.fixture()
def ecr(stubs):
    module, stubbers = stubs
    return EcrApi(module), stubbers["ecr"]


def test_create_and_delete_answer_what_is_there_already(ecr):
    api, stub = ecr
    stub.add_response("create_repository", {"repository": REPO}, {"repositoryName": "app"})
    assert api.create({"name": "app"}) == REPO
    stub.add_client_error("create_repository", "RepositoryAlreadyExistsException", expected_params={"repositoryName": "app"})
    assert api.create({"name": "app"}) is None
    stub.add_response("delete_repository", {"repository": REPO}, {"repositoryName": "app", "force": True})
    assert api.delete("app", force=True) is True
    stub.add_client_error("delete_repository", "RepositoryNotFoundException", expected_params={"repositoryName": "app"})
    assert api.delete("app") is False
    stub.add_client_error("delete_repository", "RepositoryNotEmptyException", expected_params={"repositoryName": "app", "force": False})
    with pytest.raises(ClientError, match="RepositoryNotEmptyException"):
        api.delete("app", force=False)


def test_lifecycle_policy_writes_in_the_registry_given(ecr):
    api, stub = ecr
    other = api.for_registry(OTHER)
    assert other.client is api.client and api.for_registry(None) is api
    text = POLICY_TEXT
    stub.add_response("put_lifecycle_policy", {}, {"repositoryName": "app", "lifecyclePolicyText": text, "registryId": OTHER})
    other.put_lifecycle_policy("app", text)
    stub.add_response("delete_lifecycle_policy", {}, {"repositoryName": "app", "registryId": OTHER})
    assert other.delete_lifecycle_policy("app") is True
    stub.add_client_error("delete_lifecycle_policy", "LifecyclePolicyNotFoundException", expected_params={"repositoryName": "app"})
    assert api.delete_lifecycle_policy("app") is False


def test_describe_image_ids_asks_again_one_by_one_for_a_missing_id(ecr):
    api, stub = ecr
    ids = [{"imageTag": "v1"}, {"imageTag": "gone"}, {"imageDigest": D["b"]}]
    stub.add_client_error("describe_images", "ImageNotFoundException", expected_params={"repositoryName": "app", "imageIds": ids})
    stub.add_response("describe_images", {"imageDetails": [image(D["a"], "v1")]}, {"repositoryName": "app", "imageIds": ids[:1]})
    stub.add_client_error("describe_images", "ImageNotFoundException", expected_params={"repositoryName": "app", "imageIds": ids[1:2]})
    stub.add_response("describe_images", {"imageDetails": [image(D["b"])]}, {"repositoryName": "app", "imageIds": ids[2:]})
    found, missing = api.describe_image_ids("app", ids)
    assert [i["imageDigest"] for i in found] == [D["a"], D["b"]] and missing == [{"imageTag": "gone"}]


def test_describe_image_ids_asks_100_to_a_call(ecr):
    api, stub = ecr
    ids = [{"imageTag": "t%d" % n} for n in range(150)]
    stub.add_response("describe_images", {"imageDetails": [image(D["a"], "t0")]}, {"repositoryName": "app", "imageIds": ids[:100]})
    stub.add_response("describe_images", {"imageDetails": [image(D["a"], "t0")]}, {"repositoryName": "app", "imageIds": ids[100:]})
    found, missing = api.describe_image_ids("app", ids)
    assert len(found) == 1 and missing == []


def test_batch_get_gives_manifests_and_failures(ecr):
    api, stub = ecr
    got = {"registryId": ACCOUNT, "repositoryName": "app", "imageId": {"imageDigest": D["a"]}, "imageManifest": "{}"}
    failure = {"imageId": {"imageDigest": D["b"]}, "failureCode": "ImageNotFound", "failureReason": "gone"}
    stub.add_response(
        "batch_get_image",
        {"images": [got], "failures": [failure]},
        {"repositoryName": "app", "imageIds": [{"imageDigest": D["a"]}, {"imageDigest": D["b"]}], "acceptedMediaTypes": ANY},
    )
    images, failures = api.batch_get_images("app", [D["a"], D["b"]])
    assert images == {D["a"]: got} and failures == [failure]


def test_batch_delete_overlooks_images_gone_already_and_stops_at_a_refusal(ecr):
    api, stub = ecr
    ids = [{"imageDigest": D["a"]}, {"imageDigest": D["b"]}]
    gone = {"imageId": ids[0], "failureCode": "ImageNotFound", "failureReason": "gone"}
    stub.add_response("batch_delete_image", {"imageIds": [ids[1]], "failures": [gone]}, {"repositoryName": "app", "imageIds": ids})
    assert api.batch_delete_images("app", ids) == []
    refused = {"imageId": ids[0], "failureCode": "ImageReferencedByManifestList", "failureReason": "in use"}
    many = [{"imageDigest": "sha256:%064x" % n} for n in range(101)]
    stub.add_response("batch_delete_image", {"failures": [refused]}, {"repositoryName": "app", "imageIds": many[:100]})
    assert api.batch_delete_images("app", many) == [refused]


def test_put_image_and_storage_class(ecr):
    api, stub = ecr
    put = {"repositoryName": "app", "imageManifest": "{}", "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json", "imageTag": "v2"}
    put["imageDigest"] = D["a"]
    stub.add_response("put_image", {"image": {"imageId": {"imageDigest": D["a"], "imageTag": "v2"}}}, put)
    assert api.put_image("app", "{}", put["imageManifestMediaType"], "v2", D["a"]) is True
    stub.add_client_error("put_image", "ImageAlreadyExistsException", expected_params=put)
    assert api.put_image("app", "{}", put["imageManifestMediaType"], "v2", D["a"]) is False
    stub.add_response(
        "update_image_storage_class",
        {"imageId": {"imageDigest": D["a"]}, "imageStatus": "ARCHIVED"},
        {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}, "targetStorageClass": "ARCHIVE"},
    )
    api.update_image_storage_class("app", D["a"], "ARCHIVE")


def findings_call(token=None):
    params = {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}, "maxResults": 1000}
    if token:
        params["nextToken"] = token
    return params


def test_scan_findings_of_every_page_in_one_answer(ecr):
    api, stub = ecr
    first = {"imageScanStatus": {"status": "COMPLETE"}, "imageScanFindings": {"findings": [{"name": "CVE-1"}]}, "nextToken": "t"}
    stub.add_response("describe_image_scan_findings", first, findings_call())
    stub.add_response("describe_image_scan_findings", {"imageScanFindings": {"findings": [{"name": "CVE-2"}]}}, findings_call("t"))
    got = api.scan_findings("app", D["a"], every_page=True)
    assert [f["name"] for f in got["imageScanFindings"]["findings"]] == ["CVE-1", "CVE-2"] and "nextToken" not in got
    stub.add_client_error("describe_image_scan_findings", "ScanNotFoundException", expected_params=findings_call())
    assert api.scan_findings("app", D["a"], every_page=False) is None


def test_start_image_scan_refused_within_a_day(ecr, retry_sleeps):
    api, stub = ecr
    scan = {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}}
    stub.add_response("start_image_scan", {"imageScanStatus": {"status": "IN_PROGRESS"}}, scan)
    assert api.start_image_scan("app", D["a"]) is True
    # ECR's LimitExceededException is one of the codes retried: the refusal stands after the retries
    for _attempt in range(5):
        stub.add_client_error("start_image_scan", "LimitExceededException", expected_params=scan)
    assert api.start_image_scan("app", D["a"]) is False
    assert len(retry_sleeps) == 4


def test_wait_for_scan_polls_until_the_scan_ends(ecr):
    api, stub = ecr
    for status in ("IN_PROGRESS", "COMPLETE"):
        stub.add_response("describe_image_scan_findings", {"imageScanStatus": {"status": status}}, findings_call())
    slept = []
    got = api.wait_for_scan("app", D["a"], False, {"imageScanStatus": {"status": "PENDING"}}, 60, sleep=slept.append, clock=lambda: 0.0)
    assert got["imageScanStatus"]["status"] == "COMPLETE" and slept == [1, 2]


def test_lifecycle_policy_preview_polls_then_reads_every_page(ecr):
    api, stub = ecr
    start = {"repositoryName": "app", "lifecyclePolicyText": POLICY_TEXT}
    stub.add_response("start_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, start)
    stub.add_response("get_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, {"repositoryName": "app", "maxResults": 100})
    stub.add_response(
        "get_lifecycle_policy_preview",
        {"status": "COMPLETE", "previewResults": [{"imageDigest": D["a"]}], "nextToken": "t"},
        {"repositoryName": "app", "maxResults": 100},
    )
    stub.add_response(
        "get_lifecycle_policy_preview",
        {"status": "COMPLETE", "previewResults": [{"imageDigest": D["b"]}]},
        {"repositoryName": "app", "maxResults": 100, "nextToken": "t"},
    )
    slept = []
    status, results = api.lifecycle_policy_preview("app", start["lifecyclePolicyText"], 60, sleep=slept.append, clock=lambda: 0.0)
    assert status == "COMPLETE" and [r["imageDigest"] for r in results] == [D["a"], D["b"]] and slept == [1.0]
    # one that fails is given back as it ended, without its pages
    stub.add_response("start_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, start)
    stub.add_response("get_lifecycle_policy_preview", {"status": "FAILED"}, {"repositoryName": "app", "maxResults": 100})
    assert api.lifecycle_policy_preview("app", start["lifecyclePolicyText"], 60, sleep=slept.append) == ("FAILED", [])


def test_authorization_data(ecr):
    api, stub = ecr
    data = [{"authorizationToken": "QVdTOnNlY3JldA==", "proxyEndpoint": "https://%s.dkr.ecr.us-east-1.amazonaws.com" % OTHER}]
    stub.add_response("get_authorization_token", {"authorizationData": data}, {"registryIds": [OTHER]})
    assert api.authorization_data([OTHER]) == data
    stub.add_response("get_authorization_token", {"authorizationData": data}, {})
    assert api.authorization_data(None) == data


def test_kms_keys_resolve_through_the_shared_lookup(stubs):
    module, stubbers = stubs
    api = EcrApi(module)
    stubbers["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": MANAGED_KMS_ALIAS})
    assert api.resolve_kms_key(MANAGED_KMS_ALIAS) is None
    stubbers["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": "alias/gone"})
    with pytest.raises(InputError, match="KMS has no key 'alias/gone'"):
        api.resolve_kms_key("alias/gone")
    stubbers["kms"].add_client_error("describe_key", "AccessDeniedException", expected_params={"KeyId": "alias/secret"})
    with pytest.raises(LookupFailed, match="could not look up 'alias/secret'") as failed:
        api.resolve_kms_key("alias/secret")
    assert isinstance(failed.value.exception, ClientError)


def test_predicted_location_asks_sts_for_the_account(stubs):
    module, stubbers = stubs
    stubbers["sts"].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::%s:user/u" % ACCOUNT, "UserId": "U"})
    assert EcrApi(module).predicted_location("app") == {
        "arn": "arn:aws:ecr:us-east-1:%s:repository/app" % ACCOUNT,
        "registry_id": ACCOUNT,
        "uri": "%s.dkr.ecr.us-east-1.amazonaws.com/app" % ACCOUNT,
    }
    stubbers["sts"].add_client_error("get_caller_identity", "AccessDenied")
    assert EcrApi(module).predicted_location("app") == {"arn": None, "registry_id": None, "uri": None}


def test_scanning_configurations_25_names_a_call(stubs):
    module, stubbers = stubs
    api = EcrApi(module, workers=1)  # one thread: the stubbed answers come in the order of the batches
    names = ["app-%02d" % i for i in range(30)]

    def config(name):
        return {
            "repositoryName": name,
            "repositoryArn": "arn:aws:ecr:us-east-1:%s:repository/%s" % (ACCOUNT, name),
            "scanOnPush": False,
            "scanFrequency": "MANUAL",
            "appliedScanFilters": [],
        }

    stubbers["ecr"].add_response(
        "batch_get_repository_scanning_configuration", {"scanningConfigurations": [config(n) for n in names[:25]]}, {"repositoryNames": names[:25]}
    )
    # ECR reports a repository it does not have as a failure: it is left out
    failure = {"repositoryName": names[29], "failureCode": "REPOSITORY_NOT_FOUND", "failureReason": "no such repository"}
    stubbers["ecr"].add_response(
        "batch_get_repository_scanning_configuration",
        {"scanningConfigurations": [config(n) for n in names[25:29]], "failures": [failure]},
        {"repositoryNames": names[25:]},
    )
    found = api.scanning_configurations(names + names[:3])  # a name given twice is asked once
    assert sorted(found) == names[:29]
    assert found["app-07"]["scanFrequency"] == "MANUAL"


def referrers_call(types=None, token=None):
    wanted = {"artifactStatus": "ANY", **({"artifactTypes": types} if types else {})}
    params = {"repositoryName": "app", "subjectId": {"imageDigest": D["a"]}, "filter": wanted, "maxResults": 50, **({"nextToken": token} if token else {})}
    return params


def test_image_referrers_of_every_page_and_status(ecr):
    api, stub = ecr
    signature = {
        "digest": D["b"],
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.cncf.notary.signature",
        "size": 7,
    }
    sbom = dict(signature, digest=D["c"], artifactType="application/spdx+json", annotations={"org.example": "x"}, artifactStatus="ARCHIVED")
    stub.add_response("list_image_referrers", {"referrers": [signature], "nextToken": "t"}, referrers_call())
    stub.add_response("list_image_referrers", {"referrers": [sbom]}, referrers_call(token="t"))
    assert api.image_referrers("app", D["a"]) == [signature, sbom]
    other = api.for_registry(OTHER)
    stub.add_response("list_image_referrers", {"referrers": []}, dict(referrers_call(["application/spdx+json"]), registryId=OTHER))
    assert other.image_referrers("app", D["a"], ["application/spdx+json"]) == []


def test_image_signing_status_and_an_image_gone(ecr):
    api, stub = ecr
    query = {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}}
    profile = "arn:aws:signer:us-east-1:%s:/signing-profiles/release" % ACCOUNT
    answer = {
        "repositoryName": "app",
        "registryId": ACCOUNT,
        "imageId": {"imageDigest": D["a"]},
        "signingStatuses": [{"signingProfileArn": profile, "status": "COMPLETE"}],
    }
    stub.add_response("describe_image_signing_status", answer, query)
    assert api.image_signing_status("app", D["a"]) == answer
    stub.add_client_error("describe_image_signing_status", "ImageNotFoundException", expected_params=query)
    assert api.image_signing_status("app", D["a"]) is None


def test_image_replication_status_and_an_image_or_repository_gone(ecr):
    api, stub = ecr
    query = {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}}
    answer = {
        "repositoryName": "app",
        "imageId": {"imageDigest": D["a"]},
        "replicationStatuses": [{"region": "eu-west-1", "registryId": ACCOUNT, "status": "COMPLETE"}],
    }
    stub.add_response("describe_image_replication_status", answer, query)
    assert api.image_replication_status("app", D["a"]) == answer
    stub.add_client_error("describe_image_replication_status", "ImageNotFoundException", expected_params=query)
    assert api.image_replication_status("app", D["a"]) is None
    stub.add_client_error("describe_image_replication_status", "RepositoryNotFoundException", expected_params=query)
    assert api.image_replication_status("app", D["a"]) is None
    other = EcrApi(api.module, registry_id=OTHER)
    other.client = api.client
    stub.add_response("describe_image_replication_status", answer, dict(query, registryId=OTHER))
    assert other.image_replication_status("app", D["a"]) == answer


def test_a_layer_is_uploaded_in_parts_of_the_size_ecr_asks_within_its_limits(ecr):
    api, stub = ecr
    upload = "11111111-2222-3333-4444-555555555555"
    stub.add_response("initiate_layer_upload", {"uploadId": upload, "partSize": 1024}, {"repositoryName": "app"})
    sizes = []

    def parts(size):
        sizes.append(size)
        return [b"x" * size, b"y" * 3]

    first = 5 * 1024 * 1024  # 1024 asked is below ECR's 5 MiB minimum
    stub.add_response(
        "upload_layer_part",
        {"lastByteReceived": first - 1},
        {"repositoryName": "app", "uploadId": upload, "partFirstByte": 0, "partLastByte": first - 1, "layerPartBlob": ANY},
    )
    stub.add_response(
        "upload_layer_part",
        {"lastByteReceived": first + 2},
        {"repositoryName": "app", "uploadId": upload, "partFirstByte": first, "partLastByte": first + 2, "layerPartBlob": b"yyy"},
    )
    completed = {"repositoryName": "app", "uploadId": upload, "layerDigests": [D["a"]]}
    stub.add_client_error("complete_layer_upload", "LayerAlreadyExistsException", expected_params=completed)
    assert api.upload_layer("app", D["a"], parts) == first + 3 and sizes == [first]


def test_layer_availability_and_download_url(ecr):
    api, stub = ecr
    digests = ["sha256:%064x" % n for n in range(150)]
    stub.add_response(
        "batch_check_layer_availability",
        {
            "layers": [{"layerDigest": digests[0], "layerAvailability": "AVAILABLE"}, {"layerDigest": digests[1], "layerAvailability": "UNAVAILABLE"}],
            "failures": [],
        },
        {"repositoryName": "app", "layerDigests": digests[:100]},
    )
    stub.add_response("batch_check_layer_availability", {"layers": [], "failures": []}, {"repositoryName": "app", "layerDigests": digests[100:]})
    held = api.layers_available("app", digests)
    assert [d for d, h in held.items() if h] == [digests[0]] and len(held) == 150
    answer = {"downloadUrl": "https://s3.example/x", "layerDigest": D["a"]}
    stub.add_response("get_download_url_for_layer", answer, {"repositoryName": "app", "layerDigest": D["a"]})
    assert api.layer_download_url("app", D["a"]) == "https://s3.example/x"
    stub.add_response("put_image", {}, {"repositoryName": "app", "imageManifest": "{}", "imageManifestMediaType": "m", "imageDigest": D["b"]})
    assert api.put_image("app", "{}", "m", None, D["b"]) is True
