"""ecr_image_copy cut in the middle of a blob, then run again.

The source is a signed two-architecture index whose arm64 image has a 25 MiB layer: three parts at the 10 MiB
``partSize`` the stack's InitiateLayerUpload answers. The copy sends one blob at a time (``max_concurrency: 1``)
through a proxy in front of the API, and ansible-playbook is killed (SIGKILL to its process group, as a CI runner
that dies) the moment the second part of that layer has been stored: three blobs are complete at the destination,
the fourth has an upload with two of its three parts, and no manifest has been put.

What that half-uploaded layer leaves behind: an upload id whose CompleteLayerUpload never comes. It is not a layer
(CompleteLayerUpload is what makes a layer exist: BatchCheckLayerAvailability does not find it, no manifest can
name it), nothing refers to it, and ECR drops such an upload by itself after a while (there is no API to list or
abort one; a late UploadLayerPart or CompleteLayerUpload on it answers UploadNotFoundException). The next run does
not try to resume it: it starts a new upload of that layer from its first byte. Nothing is half-written as an
image: the manifests are put only after every blob is complete (no PutImage in the cut run).

The run after the cut succeeds, sends only the three blobs still missing (the completed ones are neither uploaded
nor even started again), and leaves the destination with the source's digests (index, children, signature) and
every blob they name; a third run changes nothing and writes nothing."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
from conftest import record_figures
from faultproxy import FaultProxy
from helpers import REGION, Recorder, client, unique, writes
from robustkit import finish, kill_tree, playbook, popen_playbook, running

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))
from test_ecr_image_copy import push_signed_index  # noqa: E402

MODULE = "stowage.ecr.ecr_image_copy"
DEST_REGION = "eu-west-1"
MIB = 1024 * 1024
BIG = 25 * MIB  # parts of 10, 10 and 5 MiB
# blobs in the copy's order, one at a time: amd64's config and layer, arm64's config, arm64's layer (3 parts),
# the signature's config and blob. The 5th UploadLayerPart is the big layer's second part.
CUT_AT_PART = 5


class CutAt:
    """Kills a process group when the ``n``th call of ``operation`` has been answered by the API (before the
    client reads the answer)."""

    def __init__(self, operation: str, n: int):
        self.operation, self.n = operation, n
        self.seen = 0
        self.proc = None
        self.fired = threading.Event()
        self.killed: list = []

    def __call__(self, operation: str, status: int) -> None:
        if operation != self.operation or self.proc is None or self.fired.is_set():
            return
        self.seen += 1
        if self.seen == self.n:
            self.fired.set()
            self.killed = kill_tree(self.proc)


def wait_for(done, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def dest_ecr():
    return boto3.client("ecr", region_name=DEST_REGION)


def digests(ecr, name: str) -> dict:
    return {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in ecr.describe_images(repositoryName=name)["imageDetails"]}


def blobs_named(ecr, name: str, image_digests: list) -> list:
    """Every blob (config, layers) the image manifests of ``image_digests`` name, each once, in order."""
    found: dict = {}
    for digest in image_digests:
        image = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageDigest": digest}])["images"][0]
        manifest = json.loads(image["imageManifest"])
        for blob in [manifest.get("config")] + list(manifest.get("layers") or []):
            if blob:
                found.setdefault(blob["digest"], blob.get("size"))
    return list(found)


def available(ecr, name: str, blobs: list) -> set:
    answer = ecr.batch_check_layer_availability(repositoryName=name, layerDigests=blobs)
    return {layer["layerDigest"] for layer in answer["layers"] if layer.get("layerAvailability") == "AVAILABLE"}


def completed(recorder: Recorder) -> list:
    return [body["layerDigests"][0] for op, body in recorder.requests() if op == "CompleteLayerUpload"]


@pytest.mark.slow
def test_a_copy_cut_in_the_middle_of_a_blob_sends_only_what_is_missing_when_run_again(moto, linked_registry, dockerd, tmp_path):
    record, config = linked_registry
    source, name = unique("cutsrc"), unique("cutdst")
    client("ecr").create_repository(repositoryName=source)
    dest_ecr().create_repository(repositoryName=name)
    made = push_signed_index(record, dockerd, config, source, [("amd64", b"small " + name.encode()), ("arm64", os.urandom(BIG))])
    # in the order of the copy: children, their index, the signature
    manifests = [*made["children"], made["index"], made["signature"]]
    blobs = blobs_named(client("ecr"), source, manifests)
    assert len(blobs) == 6
    args = {"repository": name, "region": DEST_REGION, "source": {"repository": source, "image": "v1", "region": REGION}, "max_concurrency": 1}
    tasks = [{"name": "copy", MODULE: args}]

    # the cut run
    cut = CutAt("UploadLayerPart", CUT_AT_PART)
    with FaultProxy(moto["url"], on_forward=cut) as proxy, Recorder(moto) as recorder:
        proc = popen_playbook(playbook(tasks, tmp_path / "cut.yml"), env={"AWS_ENDPOINT_URL": proxy.url})
        cut.proc = proc
        stdout, stderr = proc.communicate(timeout=300)
        assert cut.fired.is_set(), "the run ended (rc %s) before the cut:\n%s" % (proc.returncode, (stdout + stderr)[-3000:])
        assert proc.returncode == -signal.SIGKILL
        # the worker that ran the module is gone too (it runs in a session of its own)
        assert cut.killed and wait_for(lambda: not running(cut.killed)), running(cut.killed)
        cut_ops = recorder.operations()
        cut_completed = completed(recorder)
    assert cut_ops.count("UploadLayerPart") == CUT_AT_PART
    # three blobs complete, a fourth started and never completed; not one manifest put
    assert cut_ops.count("InitiateLayerUpload") == 4 and cut_completed == blobs[:3]
    assert "PutImage" not in cut_ops and digests(dest_ecr(), name) == {}
    assert available(dest_ecr(), name, blobs) == set(blobs[:3]), (blobs, available(dest_ecr(), name, blobs))

    # the run after the cut
    with Recorder(moto) as recorder:
        proc = popen_playbook(playbook(tasks, tmp_path / "resume.yml"), args=["--diff"])
        resumed = finish(proc)
        resume_ops = recorder.operations()
        resume_completed = completed(recorder)
    assert resumed.rc == 0, resumed.failures()
    result = resumed["copy"]
    assert result["changed"] is True and result["copied"]["blobs"] == 3 and result["copied"]["skipped"] == 3
    assert result["copied"]["manifests"] == 4
    # only the missing blobs: the big layer again from its first byte, and the signature's two
    assert resume_ops.count("InitiateLayerUpload") == 3 and sorted(resume_completed) == sorted(blobs[3:])
    assert resume_ops.count("UploadLayerPart") == 5  # 3 parts of the big layer, 1 each for the signature's blobs
    assert resume_ops.count("PutImage") == 4

    # what a user checks at the destination: the source's digests, the signature as a referrer, every blob there
    assert digests(dest_ecr(), name) == {made["index"]: ["v1"], made["children"][0]: [], made["children"][1]: [], made["signature"]: []}
    assert set(digests(dest_ecr(), name)) == set(digests(client("ecr"), source))
    referrers = dest_ecr().list_image_referrers(repositoryName=name, subjectId={"imageDigest": made["index"]})["referrers"]
    assert [r["digest"] for r in referrers] == [made["signature"]]
    for digest in manifests:
        at_source = client("ecr").batch_get_image(repositoryName=source, imageIds=[{"imageDigest": digest}])["images"][0]["imageManifest"]
        at_dest = dest_ecr().batch_get_image(repositoryName=name, imageIds=[{"imageDigest": digest}])["images"][0]["imageManifest"]
        assert at_dest == at_source
    assert blobs_named(dest_ecr(), name, manifests) == blobs and available(dest_ecr(), name, blobs) == set(blobs)

    # a third run: nothing to do, nothing written
    with Recorder(moto) as recorder:
        third = finish(popen_playbook(playbook(tasks, tmp_path / "third.yml"), args=["--diff"]))
        third_writes = writes(recorder.operations())
    assert third.rc == 0, third.failures()
    assert third["copy"]["changed"] is False and third["copy"]["copied"]["manifests"] == 0 and third_writes == []

    figures = {
        "big_layer_bytes": BIG,
        "cut_at_upload_part": CUT_AT_PART,
        "cut_run_calls": {op: cut_ops.count(op) for op in ("InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage")},
        "resumed_run_calls": {op: resume_ops.count(op) for op in ("InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage")},
        "resumed_copied": result["copied"],
        "proxy_forwarded": proxy.figures()["forwarded_total"],
    }
    print("\ncopy cut mid-blob: %s" % json.dumps(figures))
    record_figures("copy cut mid-blob", figures)
