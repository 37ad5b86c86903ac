"""ecr_image_copy cut in the middle of a blob, then run again.

The source is a signed two-architecture index whose layers span several parts at the 10 MiB ``partSize`` the
stack's InitiateLayerUpload answers (15 MiB for amd64, 25 MiB for arm64). The copy sends one blob at a time
(``max_concurrency: 1``) through a proxy in front of the API, and ansible-playbook is killed (SIGKILL to its process
tree, as a CI runner that dies) the moment a layer's second part has been stored after at least one blob was
completed, whatever order the copy takes the blobs in: some blobs are complete at the destination, one layer has
an upload with some of its parts, and no manifest has been put.

What that half-uploaded layer leaves behind: an upload id whose CompleteLayerUpload never comes. It is not a layer
(CompleteLayerUpload is what makes a layer exist: BatchCheckLayerAvailability does not find it, no manifest can
name it), nothing refers to it, and ECR drops such an upload by itself after a while (there is no API to list or
abort one; a late UploadLayerPart or CompleteLayerUpload on it answers UploadNotFoundException). The next run does
not try to resume it: it starts a new upload of that layer from its first byte. Nothing is half-written as an
image: the manifests are put only after every blob is complete (no PutImage in the cut run).

The run after the cut succeeds, sends only the blobs still missing (the completed ones are neither uploaded nor
even started again), and leaves the destination with the source's digests (index, children, signature) and
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
BIG = 25 * MIB  # arm64's layer: parts of 10, 10 and 5 MiB
MIDDLE = 15 * MIB  # amd64's layer: parts of 10 and 5 MiB; every other blob of the image is one part
PART = 10 * MIB  # the stack's partSize
# the cut: once a layer's second part is stored (a part that does not start at byte 0) after at least one blob is
# complete, whatever order the copy takes the blobs in: a layer is left in the middle of its parts, and a blob
# completed before it is there
CUT_AT_PART = "a layer's second part, after a complete blob"


class CutAt:
    """Kills a process tree when an UploadLayerPart that does not start at byte 0 has been answered by the API
    (before the client reads the answer), once a CompleteLayerUpload has been answered."""

    def __init__(self):
        self.proc = None
        self.completed = 0
        self.fired = threading.Event()
        self.killed: list = []
        # the proxy answers on several threads: one cut, whichever answer comes first
        self._lock = threading.Lock()

    def __call__(self, operation: str, status: int, body: bytes) -> None:
        try:
            first = json.loads(body or b"{}").get("partFirstByte", 0) if operation == "UploadLayerPart" else 0
        except ValueError:
            first = 0
        with self._lock:
            if self.proc is None or self.fired.is_set():
                return
            if operation == "CompleteLayerUpload" and status == 200:
                self.completed += 1
            if first > 0 and self.completed:
                self.fired.set()
                self.killed = kill_tree(self.proc)


def parts(size: int) -> int:
    return max(1, -(-size // PART))


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
    return list(blob_sizes(ecr, name, image_digests))


def blob_sizes(ecr, name: str, image_digests: list) -> dict:
    """Each blob of the image manifests of ``image_digests``, with its size."""
    found: dict = {}
    for digest in image_digests:
        image = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageDigest": digest}])["images"][0]
        manifest = json.loads(image["imageManifest"])
        for blob in [manifest.get("config")] + list(manifest.get("layers") or []):
            if blob:
                found[blob["digest"]] = blob.get("size")
    return found


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
    made = push_signed_index(record, dockerd, config, source, [("amd64", os.urandom(MIDDLE)), ("arm64", os.urandom(BIG))])
    # in the order of the copy: children, their index, the signature
    manifests = [*made["children"], made["index"], made["signature"]]
    blobs = blobs_named(client("ecr"), source, manifests)
    assert len(blobs) == 6
    sizes = blob_sizes(client("ecr"), source, manifests)
    args = {"repository": name, "region": DEST_REGION, "source": {"repository": source, "image": "v1", "region": REGION}, "max_concurrency": 1}
    tasks = [{"name": "copy", MODULE: args}]

    # the cut run
    cut = CutAt()
    with FaultProxy(moto["url"]) as proxy, Recorder(moto) as recorder:
        proxy.on_forward_request = cut
        proc = popen_playbook(playbook(tasks, tmp_path / "cut.yml"), env={"AWS_ENDPOINT_URL": proxy.url})
        cut.proc = proc
        stdout, stderr = proc.communicate(timeout=300)
        assert cut.fired.is_set(), "the run ended (rc %s) before the cut:\n%s" % (proc.returncode, (stdout + stderr)[-3000:])
        assert proc.returncode == -signal.SIGKILL
        # the worker that ran the module is gone too (it runs in a session of its own)
        assert cut.killed and wait_for(lambda: not running(cut.killed)), running(cut.killed)
        cut_ops = recorder.operations()
        cut_completed = completed(recorder)
    # the two layers are several parts each (random bytes in a tar), every other blob far smaller than a part
    assert sorted(parts(size) for size in sizes.values()) == [1, 1, 1, 1, 2, 3]
    # the blobs completed before the cut, the layer cut after two of its parts (several parts: not complete),
    # nothing else started; not one manifest put
    done = set(cut_completed)
    assert 1 <= len(done) == len(cut_completed) <= len(blobs) - 2
    assert cut_ops.count("UploadLayerPart") == sum(parts(sizes[blob]) for blob in done) + 2
    assert cut_ops.count("InitiateLayerUpload") == len(done) + 1
    assert "PutImage" not in cut_ops and digests(dest_ecr(), name) == {}
    assert available(dest_ecr(), name, blobs) == done, (blobs, available(dest_ecr(), name, blobs))

    # the run after the cut
    with Recorder(moto) as recorder:
        proc = popen_playbook(playbook(tasks, tmp_path / "resume.yml"), args=["--diff"])
        resumed = finish(proc)
        resume_ops = recorder.operations()
        resume_completed = completed(recorder)
    assert resumed.rc == 0, resumed.failures()
    result = resumed["copy"]
    missing = [blob for blob in blobs if blob not in done]
    assert result["changed"] is True and result["copied"]["blobs"] == len(missing) and result["copied"]["skipped"] == len(done)
    assert result["copied"]["manifests"] == 4
    # only the missing blobs: the layer that was cut again from its first byte, each missing one in its parts
    assert resume_ops.count("InitiateLayerUpload") == len(missing) and sorted(resume_completed) == sorted(missing)
    assert resume_ops.count("UploadLayerPart") == sum(parts(sizes[blob]) for blob in missing)
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
        "layer_bytes": [MIDDLE, BIG],
        "completed_before_the_cut": len(done),
        "cut_at_upload_part": CUT_AT_PART,
        "cut_run_calls": {op: cut_ops.count(op) for op in ("InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage")},
        "resumed_run_calls": {op: resume_ops.count(op) for op in ("InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage")},
        "resumed_copied": result["copied"],
        "proxy_forwarded": proxy.figures()["forwarded_total"],
    }
    print("\ncopy cut mid-blob: %s" % json.dumps(figures))
    record_figures("copy cut mid-blob", figures)
