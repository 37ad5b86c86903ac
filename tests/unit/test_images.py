"""The image checks and plans (plugins/module_utils/_plans/images.py), and ecr_image_scan's wait (image_api.scan_report)
with a fake ECR client and clock."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from ansible_collections.stowage.ecr.plugins.module_utils._flows import images as image_flows
from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import scan_report
from ansible_collections.stowage.ecr.plugins.module_utils._plans import images as im
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, PartialFailure, ScanFailed

D = {n: "sha256:" + (c * 64) for n, c in (("a", "a"), ("b", "b"), ("c", "c"), ("i", "1"), ("x", "2"), ("y", "3"))}
INDEX = "application/vnd.oci.image.index.v1+json"


def image(key, tags=(), status=None, media="application/vnd.docker.distribution.manifest.v2+json"):
    detail = {"imageDigest": D[key], "imageTags": list(tags), "imageManifestMediaType": media}
    if status:
        detail["imageStatus"] = status
    return detail


REPO = [image("a", ["a1", "a2"]), image("b", ["b1"]), image("c"), image("i", ["multi"], media=INDEX), image("x"), image("y")]
REFS = {D["x"]: [D["i"]], D["y"]: [D["i"]]}


@pytest.mark.parametrize(
    "func, value, option",
    [
        (im.check_digest, "sha256:abc", "source"),
        (im.check_digest, "md5:" + "a" * 64, "image_digests[0]"),
        (im.check_tag, "-bad", "tags[1]"),
        (im.check_tag, "x" * 129, "tags[0]"),
        (im.check_tag, "", "image_tag"),
    ],
)
def test_checks_name_the_option(func, value, option):
    with pytest.raises(InputError, match="^" + option.replace("[", r"\[").replace("]", r"\]") + ":"):
        func(value, option)


def test_references_tags_ids_and_patterns():
    assert im.image_reference("prod", "source") == {"imageTag": "prod"}
    assert im.image_reference(D["a"], "source") == {"imageDigest": D["a"]}
    assert im.check_tags(["a", "b", "a"], "tags") == ["a", "b"]
    assert im.check_image_ids([{"image_tag": "v1", "image_digest": D["a"]}]) == [{"imageDigest": D["a"], "imageTag": "v1"}]
    with pytest.raises(InputError, match=r"^image_ids\[0\]: give image_tag"):
        im.check_image_ids([{"image_tag": None, "image_digest": None}])
    with pytest.raises(InputError, match=r"^tag_patterns\[0\]:"):
        im.check_tag_patterns(["release/*"])
    with pytest.raises(InputError, match="^wait_timeout:"):
        im.check_wait_timeout(-1)
    with pytest.raises(InputError, match=r"^ignore_findings\[1\]:"):
        im.check_finding_names(["CVE-1", " "])


def test_select_and_find():
    assert [i["imageDigest"] for i in im.select_images(REPO, "untagged")] == [D["c"], D["x"], D["y"]]
    assert [i["imageDigest"] for i in im.select_images(REPO, "any", ["a?"])] == [D["a"]]
    assert im.find_image(REPO, {"imageTag": "a2", "imageDigest": D["b"]}) is None
    assert im.index_children('{"manifests": [{"digest": "sha256:1"}, {"size": 3}]}') == ["sha256:1"]
    assert im.index_children("not json") == []


def test_promotion_plan_moves_adds_and_refuses_immutable_moves():
    plan = im.plan_promotion(REPO, REPO[0], ["a1", "b1", "new"], "MUTABLE", [])
    assert plan == {"put": ["b1", "new"], "conflicts": [], "moved_from": {"b1": D["b"]}}
    # an immutable repository still lets a new tag in; only the move is refused
    assert im.plan_promotion(REPO, REPO[0], ["b1", "new"], "IMMUTABLE", [])["conflicts"] == ["b1"]
    assert im.plan_promotion(REPO, REPO[0], ["b1"], "IMMUTABLE_WITH_EXCLUSION", ["b*"])["conflicts"] == []
    assert im.plan_promotion(REPO, REPO[0], ["b1"], "MUTABLE_WITH_EXCLUSION", ["b*"])["conflicts"] == ["b1"]
    after = im.after_promotion(im.state_of(REPO), D["a"], ["b1"])
    assert after[D["a"]]["image_tags"] == ["a1", "a2", "b1"] and after[D["b"]]["image_tags"] == []


def test_removal_plan():
    untag = im.plan_removal(REPO, ["a1", "gone"], [], False, REFS)
    assert untag == {"untag": ["a1"], "delete": [], "refusals": []}
    last = im.plan_removal(REPO, ["b1"], [], False, REFS)
    assert last["refusals"] and last["refusals"][0].startswith("tags:") and D["b"] in last["refusals"][0]
    assert im.plan_removal(REPO, ["b1"], [], True, REFS) == {"untag": [], "delete": [D["b"]], "refusals": []}
    both = im.plan_removal(REPO, ["a1", "a2"], [], False, REFS)
    assert len(both["refusals"]) == 1
    tagged = im.plan_removal(REPO, [], [D["a"]], False, REFS)
    assert tagged["refusals"][0].startswith("image_digests:") and "a1, a2" in tagged["refusals"][0]
    child = im.plan_removal(REPO, [], [D["x"]], True, REFS)
    assert child["refusals"][0].startswith("image_digests:") and D["i"] in child["refusals"][0]
    # the index goes too, and first
    assert im.plan_removal(REPO, [], [D["x"], D["i"]], True, REFS) == {"untag": [], "delete": [D["i"], D["x"]], "refusals": []}
    # a digest not in the repository is no change
    assert im.plan_removal(REPO, [], ["sha256:" + "f" * 64], False, REFS) == {"untag": [], "delete": [], "refusals": []}
    after = im.after_removal(im.state_of(REPO), ["a1"], [D["b"]])
    assert D["b"] not in after and after[D["a"]]["image_tags"] == ["a2"]


def test_storage_plan():
    repo = [image("a", status="ACTIVE"), image("b", status="ARCHIVED"), image("c", status="ACTIVATING")]
    assert im.plan_storage(repo, [D["a"], D["b"]], "archive") == {"change": [D["a"]], "refusals": []}
    assert im.plan_storage(repo, [D["a"], D["b"], D["c"]], "standard") == {"change": [D["b"]], "refusals": []}
    assert im.plan_storage(repo, [D["c"]], "archive")["refusals"][0].startswith("storage_class:")
    assert im.after_storage(im.state_of(repo), [D["b"]], "standard")[D["b"]]["image_status"] == "ACTIVATING"


def test_severities_counts_and_gate():
    findings = [
        {"name": "CVE-1", "severity": "HIGH"},
        {"name": "CVE-2", "severity": "CRITICAL"},
        {"title": "CVE-3 - openssl", "severity": "UNTRIAGED", "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-3"}},
    ]
    assert im.count_findings(findings, []) == {"HIGH": 1, "CRITICAL": 1, "UNDEFINED": 1}
    assert im.count_findings(findings, ["CVE-2", "CVE-3"]) == {"HIGH": 1}
    assert im.gate({"HIGH": 1, "LOW": 3}, "HIGH") == {"HIGH": 1}
    assert im.gate({"HIGH": 1, "LOW": 3}, "CRITICAL") == {}
    assert im.gate({"LOW": 3, "MEDIUM": 0}, "UNDEFINED") == {"LOW": 3}
    assert im.gate({"HIGH": 1}, None) == {}
    assert [im.backoff(n) for n in range(6)] == [1, 2, 4, 8, 15, 15]


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


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


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
    monkeypatch.setattr(image_flows, "describe_images", lambda api, name, *args: images)
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
