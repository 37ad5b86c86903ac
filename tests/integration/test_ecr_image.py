"""ecr_image_info and ecr_image through ansible-playbook against the moto server (with the stack's image
additions), checked with boto3."""

from __future__ import annotations

import hashlib
import json

import pytest
from helpers import Recorder, client, run_play, unique, writes

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def manifest(seed: str, media_type: str = DOCKER_V2) -> str:
    # moto derives a digest from the layer digests: each image gets layers of its own
    layer = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    config_type = "application/vnd.docker.container.image.v1+json" if media_type == DOCKER_V2 else "application/vnd.oci.image.config.v1+json"
    layer_type = "application/vnd.docker.image.rootfs.diff.tar.gzip" if media_type == DOCKER_V2 else "application/vnd.oci.image.layer.v1.tar+gzip"
    config = {"mediaType": config_type, "size": 9, "digest": layer}
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "config": config, "layers": [{"mediaType": layer_type, "size": 9, "digest": layer}]})


def put(name: str, text: str, tag: str | None = None, media_type: str | None = None) -> str:
    kwargs = {"imageTag": tag} if tag else {}
    if media_type == OCI_INDEX:
        # moto draws an index's digest at random: give the real one
        kwargs["imageDigest"] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    if media_type:
        kwargs["imageManifestMediaType"] = media_type
    return client("ecr").put_image(repositoryName=name, imageManifest=text, **kwargs)["image"]["imageId"]["imageDigest"]


def index_of(name: str, children: list[str]) -> str:
    platforms = ("amd64", "arm64")
    entries = [{"mediaType": DOCKER_V2, "size": 100, "digest": d, "platform": {"architecture": arch, "os": "linux"}} for d, arch in zip(children, platforms)]
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries, "annotations": {"seed": name}})


def repository(prefix: str, **kwargs) -> str:
    name = unique(prefix)
    client("ecr").create_repository(repositoryName=name, **kwargs)
    return name


def tags_by_digest(name: str) -> dict[str, list[str]]:
    details = client("ecr").describe_images(repositoryName=name, filter={"imageStatus": "ANY"})["imageDetails"]
    return {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in details}


def four_times(module: str, args: dict) -> list[dict]:
    return [
        {"name": "check", module: args, "check_mode": True},
        {"name": "real", module: args},
        {"name": "check again", module: args, "check_mode": True},
        {"name": "real again", module: args},
    ]


def assert_four(play, changed=True):
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [changed, changed, False, False]


def test_info_filters_ids_status_and_findings(moto, tmp_path):
    name = repository("imginfo")
    seed = name
    a = put(name, manifest(seed + "a"), "release-1")
    put(name, manifest(seed + "b"), "dev-1")
    c = put(name, manifest(seed + "c"))
    ecr = client("ecr")
    ecr.update_image_storage_class(repositoryName=name, imageId={"imageDigest": c}, targetStorageClass="ARCHIVE")
    ecr.start_image_scan(repositoryName=name, imageId={"imageDigest": a})
    info = "stowage.ecr.ecr_image_info"
    tasks = [
        {"name": "all", info: {"repository": name}},
        {"name": "untagged", info: {"repository": name, "tag_status": "untagged"}},
        {"name": "releases", info: {"repository": name, "tag_patterns": ["release-*"], "include_scan_findings": True}},
        {"name": "archived", info: {"repository": name, "image_status": "archived"}},
        {"name": "active", info: {"repository": name, "image_status": "active"}},
        {"name": "by id", info: {"repository": name, "image_ids": [{"image_tag": "dev-1"}, {"image_digest": c}, {"image_tag": "nope"}]}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path, check=True)
    assert play.rc == 0, play.failures()
    assert writes(rec.operations()) == []
    everything = play["all"]["images"]
    assert len(everything) == 3 and play["all"]["changed"] is False
    first = next(i for i in everything if i["image_digest"] == a)
    assert first["image_tags"] == ["release-1"] and first["image_status"] == "ACTIVE" and first["image_manifest_media_type"] == DOCKER_V2
    assert first["image_pushed_at"] and first["image_size_in_bytes"] == 9 and first["registry_id"] == "123456789012"
    assert first["image_scan_findings_summary"]["finding_severity_counts"] == {"HIGH": 1}
    assert [i["image_digest"] for i in play["untagged"]["images"]] == [c] and play["untagged"]["images"][0]["image_tags"] == []
    (release,) = play["releases"]["images"]
    assert release["image_digest"] == a and release["scan_findings"]["finding_severity_counts"] == {"HIGH": 1}
    assert release["scan_findings"]["findings"][0]["name"] == "CVE-9999-9999"
    (archived,) = play["archived"]["images"]
    assert archived["image_digest"] == c and archived["image_status"] == "ARCHIVED" and archived["last_archived_at"]
    assert len(play["active"]["images"]) == 2
    assert sorted(i["image_digest"] for i in play["by id"]["images"]) == sorted([c, tags_digest(name, "dev-1")])
    assert play["by id"]["missing"] == [{"image_tag": "nope", "image_digest": None}]


def tags_digest(name: str, tag: str) -> str:
    return next(d for d, tags in tags_by_digest(name).items() if tag in tags)


@pytest.mark.matrix
def test_promotion_four_times_keeps_digests_of_images_oci_and_indexes(moto, tmp_path):
    name = repository("imgpromo")
    build = put(name, manifest(name + "build"), "build-7")
    old = put(name, manifest(name + "old"), "prod")
    put(name, manifest(name + "old"), "old-keep")
    oci = put(name, manifest(name + "oci", OCI_MANIFEST), "oci-build", OCI_MANIFEST)
    child_a, child_b = put(name, manifest(name + "amd")), put(name, manifest(name + "arm"))
    index = put(name, index_of(name, [child_a, child_b]), "multi-build", OCI_INDEX)
    tasks = four_times("stowage.ecr.ecr_image", {"repository": name, "source": "build-7", "tags": ["prod", "1.0", "build-7"]}) + [
        {"name": "index", "stowage.ecr.ecr_image": {"repository": name, "source": index, "tags": ["multi-prod"]}},
        {"name": "oci", "stowage.ecr.ecr_image": {"repository": name, "source": "oci-build", "tags": ["oci-prod"]}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert_four(play)
    # only PutImage writes: one per tag that moved or was added
    assert writes(rec.operations()) == ["PutImage"] * 4
    live = tags_by_digest(name)
    assert live[build] == ["1.0", "build-7", "prod"] and live[old] == ["old-keep"]
    assert live[index] == ["multi-build", "multi-prod"] and live[oci] == ["oci-build", "oci-prod"]
    real = play["real"]
    assert real["image_digest"] == build
    assert [(a["action"], a["image_tag"], a.get("moved_from")) for a in real["actions"]] == [("tag", "prod", old), ("tag", "1.0", None)]

    def state(tags):
        return {"image_tags": tags, "image_status": "ACTIVE"}

    assert real["diff"]["before"] == {build: state(["build-7"]), old: state(["old-keep", "prod"])}
    assert real["diff"]["after"] == {build: state(["1.0", "build-7", "prod"]), old: state(["old-keep"])}
    assert play["check"]["diff"] == real["diff"]
    assert {i["image_digest"]: sorted(i["image_tags"]) for i in real["images"]} == {build: ["1.0", "build-7", "prod"], old: ["old-keep"]}
    assert {i["image_digest"]: sorted(i["image_tags"]) for i in play["check"]["images"]} == {build: ["1.0", "build-7", "prod"], old: ["old-keep"]}
    assert play["index"]["image_digest"] == index and play["index"]["changed"]
    manifests = client("ecr").batch_get_image(repositoryName=name, imageIds=[{"imageTag": "multi-prod"}], acceptedMediaTypes=[OCI_INDEX])["images"]
    assert manifests[0]["imageManifestMediaType"] == OCI_INDEX and manifests[0]["imageId"]["imageDigest"] == index


def test_refusals_write_nothing(moto, tmp_path):
    """Immutable tags that hold another image, an archived source, a last tag, a digest with tags, a
    digest an index refers to: each refused before any write, the message naming the option."""
    frozen = repository("imgimm", imageTagMutability="IMMUTABLE")
    one = put(frozen, manifest(frozen + "1"), "v1")
    put(frozen, manifest(frozen + "2"), "v2")
    name = repository("imgdel")
    multi = put(name, manifest(name + "a"), "a1")
    put(name, manifest(name + "a"), "a2")
    single = put(name, manifest(name + "b"), "b1")
    child_a, child_b = put(name, manifest(name + "amd")), put(name, manifest(name + "arm"))
    index = put(name, index_of(name, [child_a, child_b]), "multi", OCI_INDEX)
    cold = put(name, manifest(name + "cold"), "cold")
    client("ecr").update_image_storage_class(repositoryName=name, imageId={"imageDigest": cold}, targetStorageClass="ARCHIVE")
    m = "stowage.ecr.ecr_image"
    cases = {
        "immutable": {"repository": frozen, "source": "v2", "tags": ["v1", "new"]},
        "archived source": {"repository": name, "source": "cold", "tags": ["warm"]},
        "last tag": {"repository": name, "tags": ["b1"], "state": "absent"},
        "both tags of an image": {"repository": name, "tags": ["a1", "a2"], "state": "absent"},
        "digest with tags": {"repository": name, "image_digests": [multi], "state": "absent"},
        "index child": {"repository": name, "image_digests": [child_a], "state": "absent", "force": True},
        "absent source": {"repository": name, "source": "nope", "tags": ["x"]},
    }
    tasks = [{"name": case, m: args, "ignore_errors": True} for case, args in cases.items()]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert writes(rec.operations()) == []
    msg = {case: play[case].get("msg", "") for case in cases}
    assert all(play[case].get("failed") for case in cases), msg
    assert "IMMUTABLE" in msg["immutable"] and "Nothing was changed" in msg["immutable"]
    assert "its tags v1 already hold" in msg["immutable"]
    assert msg["archived source"].startswith("source:") and "ARCHIVED" in msg["archived source"]
    assert msg["last tag"].startswith("tags:") and single in msg["last tag"] and "force: true" in msg["last tag"]
    assert msg["both tags of an image"].startswith("tags:") and multi in msg["both tags of an image"]
    assert msg["digest with tags"].startswith("image_digests:") and "a1, a2" in msg["digest with tags"]
    assert msg["index child"].startswith("image_digests:") and index in msg["index child"]
    assert msg["absent source"].startswith("source:")
    assert sorted(tags_by_digest(frozen)[one]) == ["v1"]


def test_untag_then_delete_with_force_and_index_first(moto, tmp_path):
    name = repository("imgrm")
    multi = put(name, manifest(name + "a"), "a1")
    put(name, manifest(name + "a"), "a2")
    put(name, manifest(name + "b"), "b1")
    loose = put(name, manifest(name + "c"))
    child_a, child_b = put(name, manifest(name + "amd")), put(name, manifest(name + "arm"))
    index = put(name, index_of(name, [child_a, child_b]), "multi", OCI_INDEX)
    m = "stowage.ecr.ecr_image"
    tasks = four_times(m, {"repository": name, "tags": ["a1", "gone"], "state": "absent"}) + [
        {"name": "last tag with force", m: {"repository": name, "tags": ["b1"], "state": "absent", "force": True}},
        {"name": "index and child", m: {"repository": name, "image_digests": [child_a, index, loose], "state": "absent", "force_delete": True}},
        {"name": "index and child again", m: {"repository": name, "image_digests": [child_a, index, loose], "state": "absent", "force": True}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert_four(play)
    before, after = {"image_tags": ["a1", "a2"], "image_status": "ACTIVE"}, {"image_tags": ["a2"], "image_status": "ACTIVE"}
    assert play["real"]["diff"] == {"before": {multi: before}, "after": {multi: after}}
    assert play["last tag with force"]["changed"] and play["last tag with force"]["diff"]["after"] == {}
    deleted = play["index and child"]
    assert [a["image_digest"] for a in deleted["actions"]] == [index, child_a, loose] and deleted["changed"]
    assert play["index and child again"]["changed"] is False
    assert writes(rec.operations()) == ["BatchDeleteImage"] * 4
    assert tags_by_digest(name) == {multi: ["a2"], child_b: []}


def test_archive_and_restore_four_times(moto, tmp_path):
    name = repository("imgcold")
    digest = put(name, manifest(name + "a"), "old-release")
    other = put(name, manifest(name + "b"))
    m = "stowage.ecr.ecr_image"
    tasks = four_times(m, {"repository": name, "source": "old-release", "image_digests": [other], "storage_class": "archive"})
    play = run_play(tasks, tmp_path)
    assert_four(play)
    after = play["real"]["diff"]["after"]
    assert after == {digest: {"image_tags": ["old-release"], "image_status": "ARCHIVED"}, other: {"image_tags": [], "image_status": "ARCHIVED"}}
    assert [a["action"] for a in play["real"]["actions"]] == ["archive", "archive"]
    detail = client("ecr").describe_images(repositoryName=name, imageIds=[{"imageDigest": digest}])["imageDetails"][0]
    assert detail["imageStatus"] == "ARCHIVED"
    with Recorder(moto) as rec:
        play = run_play(four_times(m, {"repository": name, "source": digest, "storage_class": "standard"}), tmp_path)
    assert_four(play)
    assert writes(rec.operations()) == ["UpdateImageStorageClass"]
    assert play["check"]["diff"]["after"][digest]["image_status"] == "ACTIVATING"
    assert play["real"]["images"][0]["image_status"] in ("ACTIVATING", "ACTIVE")
    assert client("ecr").describe_images(repositoryName=name, imageIds=[{"imageDigest": digest}])["imageDetails"][0]["imageStatus"] == "ACTIVE"


SIGNATURE = "application/vnd.cncf.notary.signature"
SBOM = "application/spdx+json"
PROFILE = "arn:aws:signer:ap-south-1:123456789012:/signing-profiles/image_info"


def referrer_of(name: str, subject: str, artifact_type: str, seed: str) -> str:
    """An OCI artifact manifest whose subject is ``subject``, put into ``name`` with PutImage under its real digest: that digest."""
    empty = {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2, "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()}
    blob = {"mediaType": artifact_type, "size": 9, "digest": "sha256:" + hashlib.sha256(seed.encode()).hexdigest()}
    text = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": empty,
            "layers": [blob],
            "subject": {"mediaType": DOCKER_V2, "size": 100, "digest": subject},
            "annotations": {"org.opencontainers.image.created": "2026-12-01T00:00:00Z"},
        }
    )
    digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    client("ecr").put_image(repositoryName=name, imageManifest=text, imageManifestMediaType=OCI_MANIFEST, imageDigest=digest)
    return digest


def test_info_referrers_and_signing_status_only_when_asked(moto, tmp_path):
    name = repository("imgref")
    image = put(name, manifest(name + "app"), "v1")
    signature = referrer_of(name, image, SIGNATURE, name + "sig")
    sbom = referrer_of(name, image, SBOM, name + "sbom")
    ecr = client("ecr")
    ecr.put_signing_configuration(
        signingConfiguration={"rules": [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": name, "filterType": "WILDCARD_MATCH"}]}]}
    )
    info = "stowage.ecr.ecr_image_info"
    one = {"repository": name, "image_ids": [{"image_tag": "v1"}]}
    asked = dict(one, include_referrers=True, include_signing_status=True)
    try:
        with Recorder(moto) as plain:
            without = run_play([{"name": "plain", info: {"repository": name}}, {"name": "one", info: one}], tmp_path)
        plain_operations = plain.operations()  # the recording is one file: read before the next recorder starts it anew
        with Recorder(moto) as rec:
            play = run_play(
                [
                    {"name": "asked", info: asked},
                    {"name": "asked in check mode", info: asked, "check_mode": True},
                    {"name": "sboms of every image", info: {"repository": name, "include_referrers": True, "referrer_artifact_types": [SBOM]}},
                ],
                tmp_path,
            )
    finally:
        ecr.delete_signing_configuration()
    assert without.rc == 0, without.failures()
    for task in ("plain", "one"):
        assert all("referrers" not in i and "signing_status" not in i for i in without[task]["images"])
    assert len(without["plain"]["images"]) == 3
    assert not {"ListImageReferrers", "DescribeImageSigningStatus"} & set(plain_operations)

    assert play.rc == 0, play.failures()
    assert writes(rec.operations()) == []
    for task in ("asked", "asked in check mode"):
        (got,) = play[task]["images"]
        assert got["image_digest"] == image and play[task]["changed"] is False
        by_digest = {r["digest"]: r for r in got["referrers"]}
        assert set(by_digest) == {signature, sbom}
        assert by_digest[signature]["artifact_type"] == SIGNATURE and by_digest[signature]["media_type"] == OCI_MANIFEST
        assert by_digest[signature]["artifact_status"] == "ACTIVE" and by_digest[signature]["size"] > 0
        assert by_digest[sbom]["annotations"] == {"org.opencontainers.image.created": "2026-12-01T00:00:00Z"}
        assert got["signing_status"] == {"signing_statuses": [{"signing_profile_arn": PROFILE, "status": "COMPLETE"}]}
    # one image each in the first two tasks; the three images of the repository in the last, the filter sent
    requests = rec.requests()
    assert [op for op, _body in requests].count("DescribeImageSigningStatus") == 2
    listed = [body for op, body in requests if op == "ListImageReferrers"]
    assert len(listed) == 5 and all(body["filter"]["artifactStatus"] == "ANY" for body in listed)
    assert [body["filter"].get("artifactTypes") for body in listed[2:]] == [[SBOM]] * 3
    everything = {i["image_digest"]: i for i in play["sboms of every image"]["images"]}
    assert [r["digest"] for r in everything[image]["referrers"]] == [sbom]
    assert everything[signature]["referrers"] == [] and "signing_status" not in everything[image]
