"""ecr_image_copy's plan: the order manifests are put in, the blobs the destination lacks, the checks."""

from __future__ import annotations

import json

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._plans.copy import (
    PART_DEFAULT,
    PART_MAX,
    PART_MIN,
    blobs_of,
    blobs_to_check,
    check_concurrency,
    check_source,
    children_of,
    copy_order,
    part_size,
    plan_copy,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
D = {c: "sha256:" + c * 64 for c in "0123456789abcdef"}


def image(config: str, *layers: str, subject: str | None = None) -> dict:
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D[config], "size": 10},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": D[layer], "size": 100} for layer in layers],
    }
    if subject:
        document["subject"] = {"mediaType": OCI_INDEX, "digest": subject, "size": 1}
    return {"imageManifest": json.dumps(document), "imageManifestMediaType": OCI_MANIFEST}


def index(*children: str) -> dict:
    document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{"mediaType": OCI_MANIFEST, "digest": c, "size": 1} for c in children]}
    return {"imageManifest": json.dumps(document), "imageManifestMediaType": OCI_INDEX}


# root index D[0] with children D[1] (amd64) and D[2] (arm64) sharing layer a; signature D[3] of the index
MANIFESTS = {
    D["0"]: index(D["1"], D["2"]),
    D["1"]: image("c", "a", "b"),
    D["2"]: image("d", "a", "e"),
    D["3"]: image("f", "9", subject=D["0"]),
}
REFERRERS = {D["0"]: [D["3"]]}


def test_children_come_before_their_index_and_artifacts_after_their_subject():
    assert copy_order(D["0"], MANIFESTS, REFERRERS) == [D["1"], D["2"], D["0"], D["3"]]
    assert copy_order(D["1"], MANIFESTS, {}) == [D["1"]]
    # a digest named twice is put once
    twice = dict(MANIFESTS, **{D["0"]: index(D["1"], D["1"], D["2"])})
    assert copy_order(D["0"], twice, {}) == [D["1"], D["2"], D["0"]]


def test_blobs_of_an_image_and_of_an_index():
    assert blobs_of(MANIFESTS[D["1"]]) == [{"digest": D["c"], "size": 10}, {"digest": D["a"], "size": 100}, {"digest": D["b"], "size": 100}]
    assert blobs_of(MANIFESTS[D["0"]]) == [] and children_of(MANIFESTS[D["0"]]) == [D["1"], D["2"]]
    assert children_of(MANIFESTS[D["1"]]) == [] and blobs_of({"imageManifest": "not json"}) == []


def test_the_plan_copies_what_the_destination_lacks_each_blob_once():
    order = copy_order(D["0"], MANIFESTS, REFERRERS)
    assert blobs_to_check(order, MANIFESTS, set()) == [D["c"], D["a"], D["b"], D["d"], D["e"], D["f"], D["9"]]
    plan = plan_copy(order, MANIFESTS, set(), {D["a"]: True})
    assert plan["manifests"] == order
    assert [b["digest"] for b in plan["blobs"]] == [D["c"], D["b"], D["d"], D["e"], D["f"], D["9"]]
    assert plan["bytes"] == 10 + 100 + 10 + 100 + 10 + 100 and plan["skipped"] == 1
    # the destination holds the amd64 image already: only the rest
    plan = plan_copy(order, MANIFESTS, {D["1"]}, {})
    assert plan["manifests"] == [D["2"], D["0"], D["3"]] and D["b"] not in [b["digest"] for b in plan["blobs"]]
    # everything there: nothing to write
    assert plan_copy(order, MANIFESTS, set(order), {}) == {"manifests": [], "blobs": [], "bytes": 0, "skipped": 0}


def test_part_size_keeps_to_ecrs_limits():
    assert part_size(None) == PART_DEFAULT and part_size(0) == PART_DEFAULT
    assert part_size(1024) == PART_MIN and part_size(10**9) == PART_MAX and part_size(8 * 1024 * 1024) == 8 * 1024 * 1024


def test_checks_name_the_option():
    checked = check_source({"repository": "app", "image": "v1"})
    assert checked["ident"] == {"imageTag": "v1"}
    assert check_source({"repository": "app", "image": D["1"]})["ident"] == {"imageDigest": D["1"]}
    for bad, option in (
        ({"image": "v1"}, "source.repository"),
        ({"repository": "app"}, "source.image"),
        ({"repository": "app", "image": "sha256:12"}, "source.image"),
        ({"repository": "app", "image": "v1", "role_session_name": "x"}, "source.role_session_name"),
        ({"repository": "app", "image": "v1", "colour": "x"}, "source:"),
        ("app:v1", "source:"),
    ):
        with pytest.raises(InputError, match=option):
            check_source(bad)
    assert check_concurrency(4) == 4
    for bad in (0, 33, True, "4"):
        with pytest.raises(InputError, match="max_concurrency"):
            check_concurrency(bad)
