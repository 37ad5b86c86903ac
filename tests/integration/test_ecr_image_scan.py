"""ecr_image_scan through ansible-playbook against the moto server (its DescribeImageScanFindings answers
one made-up HIGH finding, CVE-9999-9999, once a scan has started), checked with boto3."""

from __future__ import annotations

from helpers import Recorder, client, run_play, writes
from test_ecr_image import four_times, manifest, put, repository

M = "stowage.ecr.ecr_image_scan"


def test_scan_starts_once_and_gates(moto, tmp_path):
    name = repository("scan")
    digest = put(name, manifest(name + "a"), "1.0")
    cold = put(name, manifest(name + "b"), "cold")
    client("ecr").update_image_storage_class(repositoryName=name, imageId={"imageDigest": cold}, targetStorageClass="ARCHIVE")
    tasks = four_times(M, {"repository": name, "image_tag": "1.0", "wait_timeout": 30}) + [
        {"name": "gate high", M: {"repository": name, "image_digest": digest, "fail_on_severity": "HIGH"}, "ignore_errors": True},
        {"name": "gate low", M: {"repository": name, "image_digest": digest, "fail_on_severity": "UNDEFINED"}, "ignore_errors": True},
        {"name": "gate critical", M: {"repository": name, "image_tag": "1.0", "fail_on_severity": "CRITICAL", "include_findings": True}},
        {"name": "ignored", M: {"repository": name, "image_tag": "1.0", "fail_on_severity": "HIGH", "ignore_findings": ["CVE-9999-9999"]}},
        {"name": "archived", M: {"repository": name, "image_tag": "cold"}, "ignore_errors": True},
        {"name": "missing", M: {"repository": name, "image_tag": "nope"}, "ignore_errors": True},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [True, True, False, False], play.failures()
    assert writes(rec.operations()) == ["StartImageScan"]
    real = play["real"]
    assert real["scan_started"] is True and real["image_digest"] == digest and real["image_tags"] == ["1.0"]
    assert real["image_scan_status"]["status"] == "COMPLETE" and real["finding_severity_counts"] == {"HIGH": 1}
    assert play["check"]["image_scan_status"] is None and play["check"]["warnings"]
    assert play["real again"]["scan_started"] is False and play["real again"]["finding_severity_counts"] == {"HIGH": 1}
    for gate in ("gate high", "gate low"):
        assert play[gate]["failed"] and "HIGH 1" in play[gate]["msg"] and digest in play[gate]["msg"]
        assert play[gate]["finding_severity_counts"] == {"HIGH": 1}
    critical = play["gate critical"]
    assert not critical.get("failed") and critical["findings"][0]["name"] == "CVE-9999-9999" and critical["findings"][0]["severity"] == "HIGH"
    assert not play["ignored"].get("failed") and play["ignored"]["finding_severity_counts"] == {}
    assert play["archived"]["failed"] and play["archived"]["msg"].startswith("image_tag:") and "ARCHIVED" in play["archived"]["msg"]
    assert play["missing"]["failed"] and play["missing"]["msg"].startswith("image_tag:")
