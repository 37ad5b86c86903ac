"""ecr_image_copy through ansible-playbook against the stack: a two-architecture image index with a signature
copied from another account and region through ECR's layer API, checked with boto3 and pulled with docker at the
destination; tags that move, an immutable tag, an archived source, the gates, bad input, a copy cut part-way."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
import stack
from helpers import Recorder, docker, ecr_as, run_play, unique, writes

SOURCE_ACCOUNT, SOURCE_REGION = "222222222222", "us-west-2"
DEST_REGION = "eu-west-1"
ROLE = "arn:aws:iam::%s:role/copier" % SOURCE_ACCOUNT
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
SIGNATURE = "application/vnd.cncf.notary.signature"
MODULE = "stowage.ecr.ecr_image_copy"
# the stack's registry names of the two sides' repositories (scripts/stack_ecr/registry_link.py)
SOURCE_PREFIX = "%s/%s/" % (SOURCE_ACCOUNT, SOURCE_REGION)
DEST_PREFIX = "123456789012/%s/" % DEST_REGION


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture()
def linked(moto, registry, dockerd, tmp_path):
    record = stack.link_registry(Path(moto["recording"]).parent, registry)
    config = str(tmp_path / "docker")
    docker(dockerd, "--config", config, "login", "-u", record["username"], "-p", record["password"], record["host"])
    yield record, config
    (Path(moto["recording"]).parent / "registry-link.json").unlink()


def source_ecr():
    return ecr_as(ROLE, SOURCE_REGION)


def dest_ecr():
    return boto3.client("ecr", region_name=DEST_REGION)


def registry_call(record, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
    auth = base64.b64encode(("%s:%s" % (record["username"], record["password"])).encode()).decode()
    url = path if path.startswith("http") else record["url"] + path
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}, Authorization="Basic " + auth))
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


def push_blob(record, name: str, data: bytes) -> dict:
    _status, headers, _body = registry_call(record, "POST", "/v2/%s/blobs/uploads/" % name)
    location = headers["Location"]
    location = location if location.startswith("http") else record["url"] + location
    registry_call(
        record, "PUT", location + ("&" if "?" in location else "?") + "digest=" + sha(data), data=data, headers={"Content-Type": "application/octet-stream"}
    )
    return {"digest": sha(data), "size": len(data)}


def push_manifest(record, name: str, reference: str, document: dict, media_type: str) -> str:
    data = json.dumps(document).encode()
    registry_call(record, "PUT", "/v2/%s/manifests/%s" % (name, reference), data=data, headers={"Content-Type": media_type})
    return sha(data)


def build_and_push(dockerd, config: str, reference: str, payload: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "payload.bin").write_bytes(payload)
        Path(directory, "Dockerfile").write_text("FROM scratch\nCOPY payload.bin /payload.bin\n")
        docker(dockerd, "build", "-q", "-t", reference, directory)
    docker(dockerd, "--config", config, "push", reference)


def source_image(linked, dockerd, name: str) -> dict:
    """In the source account and region: two images (one with a 12 MiB layer, so that it goes in two parts), an
    index of them tagged v1 and a signature of the index. Their digests."""
    record, config = linked
    source_ecr().create_repository(repositoryName=name)
    payloads = [("amd64", os.urandom(12 * 1024 * 1024)), ("arm64", ("small %s" % name).encode())]
    return push_signed_index(record, dockerd, config, SOURCE_PREFIX + name, payloads)


def push_signed_index(record, dockerd, config: str, reg: str, payloads: list) -> dict:
    """An image for each (architecture, payload) of ``payloads`` built and pushed to the registry's ``reg`` as tag
    <architecture>, an index of them tagged v1, a signature of the index. Their digests."""
    children = []
    for arch, payload in payloads:
        build_and_push(dockerd, config, "%s/%s:%s" % (record["host"], reg, arch), payload)
        _status, _headers, body = registry_call(record, "GET", "/v2/%s/manifests/%s" % (reg, arch), headers={"Accept": DOCKER_V2})
        children.append({"mediaType": DOCKER_V2, "size": len(body), "digest": sha(body), "platform": {"architecture": arch, "os": "linux"}})
    index = {"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": children}
    index_digest = push_manifest(record, reg, "v1", index, DOCKER_LIST)
    empty = push_blob(record, reg, b"{}")
    signature_blob = push_blob(record, reg, ("signature of %s" % index_digest).encode())
    signature = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": SIGNATURE,
        "config": dict(empty, mediaType="application/vnd.oci.empty.v1+json"),
        "layers": [dict(signature_blob, mediaType="application/jose+json")],
        "subject": {"mediaType": DOCKER_LIST, "digest": index_digest, "size": len(json.dumps(index).encode())},
    }
    signature_digest = sha(json.dumps(signature).encode())
    push_manifest(record, reg, signature_digest, signature, OCI_MANIFEST)
    return {"index": index_digest, "children": [c["digest"] for c in children], "signature": signature_digest}


def copy_task(name: str, repository: str, image: str = "v1", src: dict | None = None, **options) -> dict:
    """The module's arguments: ``image`` of ``repository`` in the source account and region to ``name``."""
    source = dict({"repository": repository, "image": image, "region": SOURCE_REGION, "assume_role_arn": ROLE}, **(src or {}))
    return dict({"repository": name, "source": source, "region": DEST_REGION}, **options)


def four(args: dict) -> list:
    return [
        {"name": "check", MODULE: args, "check_mode": True},
        {"name": "real", MODULE: args},
        {"name": "check again", MODULE: args, "check_mode": True},
        {"name": "real again", MODULE: args},
    ]


def dest_images(name: str) -> dict:
    return {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in dest_ecr().describe_images(repositoryName=name)["imageDetails"]}


def test_an_index_with_its_signature_is_copied_across_accounts_and_regions(linked, moto, dockerd, tmp_path):
    record, config = linked
    source, name = unique("copysrc"), unique("copydst")
    made = source_image(linked, dockerd, source)
    dest_ecr().create_repository(repositoryName=name)
    args = copy_task(name, source, src={"endpoint_url": moto["url"]}, max_concurrency=2)
    with Recorder(moto) as recorder:
        play = run_play(four(args)[:1], tmp_path, diff=True)
    assert play.rc == 0, play.failures()
    assert writes(recorder.operations()) == [] and dest_images(name) == {}
    check = play["check"]
    assert check["changed"] is True and check["digest"] == made["index"] and check["tags"] == ["v1"]
    assert check["referrers"] == [made["signature"]]
    # 4 manifests; blobs: 2 configs, 2 layers, the signature's empty config and its blob
    assert check["copied"]["manifests"] == 4 and check["copied"]["blobs"] == 6 and check["copied"]["skipped"] == 0
    assert check["copied"]["bytes"] > 12 * 1024 * 1024
    assert check["diff"]["before"] == {"manifests": [], "tags": {"v1": None}}

    play = run_play(four(args), tmp_path, diff=True)
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [True, True, False, False]
    assert play["real"]["copied"] == check["copied"] and play["real again"]["copied"]["manifests"] == 0
    assert "diff" in play["real again"] and play["real again"]["diff"]["before"] == play["real again"]["diff"]["after"]

    images = dest_images(name)
    assert images == {made["index"]: ["v1"], made["children"][0]: [], made["children"][1]: [], made["signature"]: []}
    referrers = dest_ecr().list_image_referrers(repositoryName=name, subjectId={"imageDigest": made["index"]})["referrers"]
    assert [r["digest"] for r in referrers] == [made["signature"]] and referrers[0]["artifactType"] == SIGNATURE
    got = dest_ecr().batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}], acceptedMediaTypes=[DOCKER_LIST])["images"][0]
    assert sha(got["imageManifest"].encode()) == made["index"]
    docker(dockerd, "--config", config, "pull", "%s/%s%s:v1" % (record["host"], DEST_PREFIX, name))
    docker(dockerd, "--config", config, "pull", "%s/%s%s@%s" % (record["host"], DEST_PREFIX, name, made["children"][1]))

    # tags move as promotion moves them: stable on the index, then on one of its images
    play = run_play([{"name": "stable", MODULE: dict(args, tags=["stable"])}], tmp_path)
    assert play.rc == 0 and play["stable"]["changed"] is True and play["stable"]["copied"]["manifests"] == 0
    play = run_play([{"name": "moved", MODULE: copy_task(name, source, image=made["children"][1], tags=["stable"])}], tmp_path, diff=True)
    assert play.rc == 0, play.failures()
    assert play["moved"]["changed"] is True and play["moved"]["diff"]["before"]["tags"] == {"stable": made["index"]}
    assert dest_images(name)[made["children"][1]] == ["stable"] and dest_images(name)[made["index"]] == ["v1"]

    # an immutable destination tag holding another image refuses the copy before any write
    fixed = unique("copyfixed")
    dest_ecr().create_repository(repositoryName=fixed, imageTagMutability="IMMUTABLE")
    assert run_play([{"name": "first", MODULE: copy_task(fixed, source, image=made["children"][1], tags=["prod"])}], tmp_path).rc == 0
    with Recorder(moto) as recorder:
        play = run_play([{"name": "refused", MODULE: copy_task(fixed, source, tags=["prod"])}], tmp_path)
    assert play.rc != 0 and play["refused"]["msg"].startswith("tags: ") and "IMMUTABLE" in play["refused"]["msg"]
    assert writes(recorder.operations()) == []


def test_gates_archives_and_bad_input_fail_before_any_write(linked, moto, dockerd, tmp_path):
    source, name = unique("gatesrc"), unique("gatedst")
    made = source_image(linked, dockerd, source)
    dest_ecr().create_repository(repositoryName=name)
    source_ecr().update_image_storage_class(repositoryName=source, imageId={"imageDigest": made["index"]}, targetStorageClass="ARCHIVE")
    cases = [
        ("missing image", copy_task(name, source, image="nope"), "source.image: "),
        ("missing repository", copy_task(name, "no-such-repo"), "source.repository: "),
        ("bad region", copy_task(name, source, src={"region": "eu-wst-1"}), "source.region: "),
        ("archived", copy_task(name, source), "restore: true"),
        ("unsigned", copy_task(name, source, image=made["children"][1], require_signed=True), "require_signed: "),
        ("unscanned", copy_task(name, source, image=made["children"][1], fail_on_severity="high"), "fail_on_severity: "),
        ("no destination", copy_task("no-such-dest", source, image=made["children"][1]), "repository: "),
    ]
    with Recorder(moto) as recorder:
        play = run_play([dict({"name": case, MODULE: args, "ignore_errors": True}) for case, args, _m in cases], tmp_path)
    for case, _args, message in cases:
        assert play[case].get("failed") and message in play[case]["msg"], (case, play[case].get("msg"))
    assert writes(recorder.operations()) == []

    # scanned, with a finding at HIGH (the stack's made-up one): refused at high, copied at critical
    source_ecr().start_image_scan(repositoryName=source, imageId={"imageDigest": made["children"][1]})
    play = run_play(
        [{"name": "high", MODULE: copy_task(name, source, image=made["children"][1], tags=[], fail_on_severity="HIGH"), "ignore_errors": True}], tmp_path
    )
    assert play["high"].get("failed") and "HIGH 1" in play["high"]["msg"]
    play = run_play([{"name": "critical", MODULE: copy_task(name, source, image=made["children"][1], tags=[], fail_on_severity="CRITICAL")}], tmp_path)
    assert play.rc == 0 and play["critical"]["changed"] is True

    # restore: true restores the archived index and copies it (check mode restores nothing)
    play = run_play(four(copy_task(name, source, restore=True))[:2], tmp_path)
    assert play.rc == 0, play.failures()
    assert play["check"]["changed"] is True and play["check"]["restored"] is True
    assert play["real"]["restored"] is True and play["real"]["copied"]["manifests"] == 3
    status = source_ecr().describe_images(repositoryName=source, imageIds=[{"imageDigest": made["index"]}])["imageDetails"][0]["imageStatus"]
    assert status == "ACTIVE" and dest_images(name)[made["index"]] == ["v1"]


def test_a_copy_cut_part_way_sends_only_what_is_missing_when_run_again(linked, moto, dockerd, tmp_path):
    source, name = unique("resumesrc"), unique("resumedst")
    made = source_image(linked, dockerd, source)
    dest_ecr().create_repository(repositoryName=name)
    args = copy_task(name, source, max_concurrency=1)
    faults = Path(moto["recording"]).parent / "layer-faults.json"
    faults.write_text(json.dumps({"complete_fails_after": 2}))
    try:
        play = run_play([{"name": "cut", MODULE: args}], tmp_path)
    finally:
        faults.unlink()
    assert play.rc != 0 and play["cut"]["changed"] is True and play["cut"]["copied"]["blobs"] == 2
    assert "KmsException" in json.dumps(play["cut"]) and dest_images(name) == {}

    with Recorder(moto) as recorder:
        play = run_play([{"name": "resumed", MODULE: args}], tmp_path)
    assert play.rc == 0, play.failures()
    assert play["resumed"]["copied"]["blobs"] == 4 and play["resumed"]["copied"]["skipped"] == 2
    assert recorder.operations().count("InitiateLayerUpload") == 4 and recorder.operations().count("CompleteLayerUpload") == 4
    assert dest_images(name)[made["index"]] == ["v1"] and len(dest_images(name)) == 4
