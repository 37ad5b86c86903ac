"""ecr_image_scan's wait (_flows/images.py scan_report) with a fake ECR client and clock."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY

from ansible_collections.stowage.ecr.plugins.module_utils._flows import images as image_flows
from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import converge_image, image_report, scan_report
from ansible_collections.stowage.ecr.plugins.module_utils.errors import PartialFailure, ScanFailed

from ...conftest import ACCOUNT, Clock
from .test_repository import ARN, raw

D = {n: "sha256:" + (c * 64) for n, c in (("a", "a"), ("b", "b"))}


# scan_report's wait, with a fake client ------------------------------------------------------------------


class FakeEcr:
    def __init__(self, states):
        self.states = list(states)
        self.calls = []
        self.meta = SimpleNamespace(region_name="ap-south-1", partition="aws")

    def describe_images(self, aws_retry=True, **kwargs):
        self.calls.append("DescribeImages")
        return {"imageDetails": [{"imageDigest": D["a"], "imageTags": ["v1"], "imageStatus": "ACTIVE"}]}

    def describe_image_scan_findings(self, aws_retry=True, **kwargs):
        self.calls.append("DescribeImageScanFindings")
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if state is None:
            raise ClientError({"Error": {"Code": "ScanNotFoundException", "Message": "no scan"}}, "DescribeImageScanFindings")
        if state == "DENIED":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeImageScanFindings")
        response = {"imageScanStatus": {"status": state, "description": "why " + state}}
        if state == "COMPLETE":
            response["imageScanFindings"] = {"findingSeverityCounts": {"CRITICAL": 2}, "findings": [{"name": "CVE-9", "severity": "CRITICAL"}] * 2}
        return response

    def start_image_scan(self, aws_retry=True, **kwargs):
        self.calls.append("StartImageScan")
        return {"imageScanStatus": {"status": "IN_PROGRESS"}}


class FakeModule:
    check_mode = False

    def __init__(self, fake, **params):
        self.fake = fake
        self.params = dict(
            repository="app",
            registry_id=None,
            image_tag="v1",
            image_digest=None,
            wait=True,
            wait_timeout=60,
            fail_on_severity=None,
            ignore_findings=None,
            include_findings=False,
        )
        self.params.update(params)
        self.warnings = []

    def client(self, service, retry_decorator=None, config=None):
        return self.fake

    def warn(self, text):
        self.warnings.append(text)


def test_scan_waits_with_backoff_then_gates():
    fake, clock = FakeEcr([None, "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "COMPLETE"]), Clock()
    with pytest.raises(ScanFailed) as failed:
        scan_report(FakeModule(fake, fail_on_severity="HIGH"), sleep=clock.sleep, clock=clock)
    assert clock.slept == [1, 2, 4]
    assert "CRITICAL 2" in str(failed.value) and failed.value.result["scan_started"] is True
    assert fake.calls.count("StartImageScan") == 1


def test_scan_times_out_and_fails_never_passes():
    clock = Clock()
    with pytest.raises(ScanFailed, match="no result after 10 seconds"):
        scan_report(FakeModule(FakeEcr(["IN_PROGRESS"]), wait_timeout=10), sleep=clock.sleep, clock=clock)
    assert sum(clock.slept) == 10
    with pytest.raises(ScanFailed, match="ended FAILED: why FAILED"):
        scan_report(FakeModule(FakeEcr(["FAILED"])), sleep=clock.sleep, clock=clock)
    with pytest.raises(ScanFailed, match="ended UNSUPPORTED_IMAGE"):
        scan_report(FakeModule(FakeEcr(["UNSUPPORTED_IMAGE"])), sleep=clock.sleep, clock=clock)


def test_scan_ignored_findings_and_no_wait():
    clock = Clock()
    result = scan_report(FakeModule(FakeEcr(["COMPLETE"]), fail_on_severity="LOW", ignore_findings=["CVE-9"]), sleep=clock.sleep, clock=clock)
    assert result["finding_severity_counts"] == {} and result["changed"] is False
    result = scan_report(FakeModule(FakeEcr(["IN_PROGRESS"]), wait=False), sleep=clock.sleep, clock=clock)
    assert result["image_scan_status"]["status"] == "IN_PROGRESS" and clock.slept == []


def test_a_failure_after_the_scan_started_carries_it():
    fake = FakeEcr([None, "IN_PROGRESS", "DENIED"])
    with pytest.raises(PartialFailure) as failed:
        scan_report(FakeModule(fake), sleep=Clock().sleep, clock=Clock())
    assert isinstance(failed.value.exception, ClientError) and failed.value.message is None
    assert failed.value.result == {"changed": True, "image_digest": D["a"], "image_tags": ["v1"], "scan_started": True}


# ecr_image's writes: a failure after some of them carries what was done ------------------------------------


class FakeWrites(FakeEcr):
    """A repository with image a (tag v1), whose PutImage and BatchDeleteImage fail for the names in ``refuse``."""

    def __init__(self, refuse):
        super().__init__(["COMPLETE"])
        self.refuse = refuse

    def describe_repositories(self, aws_retry=True, **kwargs):
        return {"repositories": [{"repositoryName": "app", "imageTagMutability": "MUTABLE"}]}

    def batch_get_image(self, aws_retry=True, **kwargs):
        self.calls.append("BatchGetImage")
        return {"images": [{"imageId": {"imageDigest": D["a"]}, "imageManifest": "{}", "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json"}]}

    def put_image(self, aws_retry=True, **kwargs):
        self.calls.append("PutImage " + kwargs["imageTag"])
        if kwargs["imageTag"] in self.refuse:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutImage")
        return {}


def converge(monkeypatch, fake, **params):
    images = [{"imageDigest": D["a"], "imageTags": ["v1"], "imageStatus": "ACTIVE", "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json"}]
    monkeypatch.setattr(image_flows.EcrApi, "describe_images", lambda api, name, *args: images)
    module = FakeModule(fake)
    module.params = dict(repository="app", registry_id=None, state="present", source="v1", tags=None, image_digests=None, force=False, storage_class=None)
    module.params.update(params)
    return image_flows.converge_image(module)


def test_a_promotion_that_fails_part_way_carries_the_tags_put(monkeypatch):
    fake = FakeWrites(refuse={"v3"})
    with pytest.raises(PartialFailure) as failed:
        converge(monkeypatch, fake, tags=["v2", "v3"])
    assert failed.value.result == {"changed": True, "actions": [{"action": "tag", "image_tag": "v2", "image_digest": D["a"], "moved_from": None}]}
    assert failed.value.exception.response["Error"]["Code"] == "ThrottlingException"
    assert fake.calls == ["BatchGetImage", "PutImage v2", "PutImage v3"]  # the manifest is read once
    # a failure of the first write: nothing was done, the error is ECR's own
    with pytest.raises(ClientError):
        converge(monkeypatch, FakeWrites(refuse={"v2"}), tags=["v2", "v3"])


# the image tasks on a stubbed ECR client: the calls in order ---------------------------------------------------

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
PUSHED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
EVERY_IMAGE = {"repositoryName": "app", "filter": {"tagStatus": "ANY", "imageStatus": "ANY"}, "maxResults": 1000}


def detail(key, *tags):
    return {
        "registryId": ACCOUNT,
        "repositoryName": "app",
        "imageDigest": D[key],
        "imageTags": list(tags),
        "imagePushedAt": PUSHED,
        "imageManifestMediaType": MANIFEST,
    }


def image_params(**options):
    params = {"repository": "app", "registry_id": None, "tags": None, "image_digests": None, "source": None, "storage_class": None, "state": "present"}
    params["force"] = False
    params.update(options)
    return params


def expect_repository(ecr):
    ecr.add_response(
        "describe_repositories", {"repositories": [raw(repositoryName="app", repositoryArn=ARN.replace("team/app", "app"))]}, {"repositoryNames": ["app"]}
    )


def test_image_report_of_ids_with_one_missing_and_no_scan(stubbed):
    ecr = stubbed.ecr
    both = [{"imageTag": "v1"}, {"imageTag": "gone"}]
    ecr.add_client_error("describe_images", "ImageNotFoundException", expected_params={"repositoryName": "app", "imageIds": both})
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1")]}, {"repositoryName": "app", "imageIds": [{"imageTag": "v1"}]})
    ecr.add_client_error("describe_images", "ImageNotFoundException", expected_params={"repositoryName": "app", "imageIds": [{"imageTag": "gone"}]})
    scan_query = {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}, "maxResults": 1000}
    ecr.add_client_error("describe_image_scan_findings", "ScanNotFoundException", expected_params=scan_query)
    module = stubbed.module(
        repository="app",
        registry_id=None,
        image_ids=[{"image_tag": "v1"}, {"image_tag": "gone"}],
        tag_patterns=None,
        tag_status="any",
        image_status="any",
        include_scan_findings=True,
    )
    got = image_report(module)
    assert [(i["image_digest"], i["image_tags"], i["scan_findings"]) for i in got["images"]] == [(D["a"], ["v1"], None)]
    assert got["missing"] == [{"image_tag": "gone", "image_digest": None}] and got["changed"] is False


def test_image_report_lists_with_the_filters_and_patterns(stubbed):
    query = dict(EVERY_IMAGE, filter={"tagStatus": "TAGGED", "imageStatus": "ACTIVE"})
    stubbed.ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1"), detail("b", "latest")]}, query)
    module = stubbed.module(
        repository="app", registry_id=None, image_ids=None, tag_patterns=["v*"], tag_status="tagged", image_status="active", include_scan_findings=False
    )
    assert [i["image_digest"] for i in image_report(module)["images"]] == [D["a"]]


def test_converge_image_moves_a_tag_with_the_source_manifest(stubbed):
    ecr = stubbed.ecr
    expect_repository(ecr)
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1"), detail("b", "prod")]}, EVERY_IMAGE)
    ecr.add_response(
        "batch_get_image",
        {"images": [{"imageId": {"imageDigest": D["a"]}, "imageManifest": "{}", "imageManifestMediaType": MANIFEST}], "failures": []},
        {"repositoryName": "app", "imageIds": [{"imageDigest": D["a"]}], "acceptedMediaTypes": ANY},
    )
    ecr.add_response(
        "put_image",
        {"image": {"imageId": {"imageDigest": D["a"], "imageTag": "prod"}}},
        {"repositoryName": "app", "imageManifest": "{}", "imageManifestMediaType": MANIFEST, "imageTag": "prod", "imageDigest": D["a"]},
    )
    ecr.add_response(
        "describe_images",
        {"imageDetails": [detail("a", "v1", "prod"), detail("b")]},
        {"repositoryName": "app", "imageIds": [{"imageDigest": D["a"]}, {"imageDigest": D["b"]}]},
    )
    got = converge_image(stubbed.module(**image_params(tags=["prod"], source="v1")))
    assert got["changed"] is True and got["image_digest"] == D["a"]
    assert got["actions"] == [{"action": "tag", "image_tag": "prod", "image_digest": D["a"], "moved_from": D["b"]}]
    assert [(i["image_digest"], i["image_tags"]) for i in got["images"]] == [(D["a"], ["v1", "prod"]), (D["b"], [])]


def test_converge_image_in_check_mode_and_when_nothing_changes_reads_only(stubbed):
    ecr = stubbed.ecr
    expect_repository(ecr)
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1"), detail("b", "prod")]}, EVERY_IMAGE)
    got = converge_image(stubbed.module(check_mode=True, **image_params(tags=["prod"], source="v1")))
    assert got["changed"] is True and got["images"][0]["image_tags"] == ["prod", "v1"]
    expect_repository(ecr)
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1", "prod")]}, EVERY_IMAGE)
    got = converge_image(stubbed.module(**image_params(tags=["prod"], source="v1")))
    assert got["changed"] is False and got["actions"] == []


def test_converge_image_removes_a_tag(stubbed):
    ecr = stubbed.ecr
    expect_repository(ecr)
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1", "old")]}, EVERY_IMAGE)
    ecr.add_response("batch_delete_image", {"imageIds": [{"imageTag": "old"}], "failures": []}, {"repositoryName": "app", "imageIds": [{"imageTag": "old"}]})
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1")]}, {"repositoryName": "app", "imageIds": [{"imageDigest": D["a"]}]})
    got = converge_image(stubbed.module(**image_params(tags=["old"], state="absent")))
    assert got["actions"] == [{"action": "untag", "image_tag": "old", "image_digest": D["a"]}]
    assert got["diff"]["before"][D["a"]] != got["diff"]["after"][D["a"]]


def test_scan_report_reads_a_finished_scan(stubbed):
    ecr = stubbed.ecr
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1")]}, {"repositoryName": "app", "imageIds": [{"imageTag": "v1"}]})
    ecr.add_response(
        "describe_image_scan_findings",
        {"imageScanStatus": {"status": "COMPLETE"}, "imageScanFindings": {"findingSeverityCounts": {"LOW": 1}, "findings": []}},
        {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}, "maxResults": 1000},
    )
    module = stubbed.module(**FakeModule(None, fail_on_severity="HIGH").params)
    got = scan_report(module, sleep=lambda s: pytest.fail("a finished scan needs no wait"))
    assert got["changed"] is False and got["scan_started"] is False
    assert got["finding_severity_counts"] == {"LOW": 1} and got["image_scan_status"]["status"] == "COMPLETE"


def test_image_report_reads_referrers_and_signing_status_only_when_asked(stubbed):
    from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

    ecr = stubbed.ecr
    options = dict(repository="app", registry_id=None, image_ids=None, tag_patterns=None, tag_status="any", image_status="any", include_scan_findings=False)
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1")]}, EVERY_IMAGE)
    assert "referrers" not in image_report(stubbed.module(**options))["images"][0]
    ecr.add_response("describe_images", {"imageDetails": [detail("a", "v1")]}, EVERY_IMAGE)
    wanted = {"artifactStatus": "ANY", "artifactTypes": ["application/spdx+json"]}
    sbom = {"digest": D["b"], "mediaType": "application/vnd.oci.image.manifest.v1+json", "artifactType": "application/spdx+json", "size": 9}
    query = {"repositoryName": "app", "subjectId": {"imageDigest": D["a"]}, "filter": wanted, "maxResults": 50}
    ecr.add_response("list_image_referrers", {"referrers": [sbom]}, query)
    ecr.add_response("describe_image_signing_status", {"signingStatuses": []}, {"repositoryName": "app", "imageId": {"imageDigest": D["a"]}})
    module = stubbed.module(include_referrers=True, referrer_artifact_types=["application/spdx+json"], include_signing_status=True, **options)
    (image,) = image_report(module)["images"]
    assert image["referrers"] == [{"digest": D["b"], "media_type": sbom["mediaType"], "artifact_type": "application/spdx+json", "size": 9}]
    assert image["signing_status"] == {"signing_statuses": []}
    with pytest.raises(InputError, match="give include_referrers: true too"):
        image_report(stubbed.module(referrer_artifact_types=["application/spdx+json"], **options))
