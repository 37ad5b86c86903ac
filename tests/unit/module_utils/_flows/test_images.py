"""ecr_image_scan's wait (_flows/images.py scan_report) with a fake ECR client and clock."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import ScanFailed, scan_report

D = {n: "sha256:" + (c * 64) for n, c in (("a", "a"),)}


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
