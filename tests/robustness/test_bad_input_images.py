"""Bad input for ecr_image_info, ecr_image and ecr_image_scan: each fails with a message that names the
option and what is accepted, and moto's request recorder sees no write call."""

from __future__ import annotations

import hashlib
import json
from typing import List

import pytest
from helpers import Recorder, client, run_play, unique
from test_bad_input_corpus import check_messages, recorded_writes

INFO = "stowage.ecr.ecr_image_info"
IMAGE = "stowage.ecr.ecr_image"
SCAN = "stowage.ecr.ecr_image_scan"
DIGEST = "sha256:" + "ab" * 32


def cases(name: str, tagged: str) -> List[tuple]:
    """(id, module, args, fragments the message must hold)."""
    return [
        ("info bad repository", INFO, {"repository": "Team/App"}, ["repository:", "not a valid repository name"]),
        ("info registry id letters", INFO, {"repository": name, "registry_id": "12345678901x"}, ["registry_id:", "12-digit"]),
        ("info image id empty", INFO, {"repository": name, "image_ids": [{}]}, ["image_ids[0]:", "image_tag, image_digest"]),
        ("info image digest short", INFO, {"repository": name, "image_ids": [{"image_digest": "sha256:abc"}]}, ["image_ids[0].image_digest:", "64"]),
        ("info tag pattern slash", INFO, {"repository": name, "tag_patterns": ["release/*"]}, ["tag_patterns[0]:", "wildcards"]),
        ("info tag status", INFO, {"repository": name, "tag_status": "labelled"}, ["tag_status", "tagged, untagged, any", "labelled"]),
        (
            "info six artifact types",
            INFO,
            {"repository": name, "include_referrers": True, "referrer_artifact_types": ["a/%d" % n for n in range(6)]},
            ["referrer_artifact_types:", "at most 5"],
        ),
        (
            "info artifact type empty",
            INFO,
            {"repository": name, "include_referrers": True, "referrer_artifact_types": [""]},
            ["referrer_artifact_types[0]:", "1 to 255"],
        ),
        (
            "info artifact types alone",
            INFO,
            {"repository": name, "referrer_artifact_types": ["application/spdx+json"]},
            ["referrer_artifact_types:", "include_referrers"],
        ),
        ("image tags without source", IMAGE, {"repository": name, "tags": ["prod"]}, ["source:", "tag or digest"]),
        ("image source not a digest", IMAGE, {"repository": name, "source": "sha256:xyz", "tags": ["prod"]}, ["source:", "not an image digest"]),
        ("image tag too long", IMAGE, {"repository": name, "source": "v1", "tags": ["x" * 129]}, ["tags[0]:", "1 to 128"]),
        ("image tag non-ascii", IMAGE, {"repository": name, "source": "v1", "tags": ["réléase"]}, ["tags[0]:", "not an image tag"]),
        ("image absent with source", IMAGE, {"repository": name, "source": "v1", "state": "absent", "tags": ["v1"]}, ["state:", "source and storage_class"]),
        ("image absent nothing", IMAGE, {"repository": name, "state": "absent"}, ["tags, image_digests:", "state: absent"]),
        ("image digests without storage class", IMAGE, {"repository": name, "image_digests": [DIGEST]}, ["image_digests:", "storage_class"]),
        ("image digest upper case", IMAGE, {"repository": name, "state": "absent", "image_digests": [DIGEST.upper()]}, ["image_digests[0]:", "lowercase"]),
        ("image storage class glacier", IMAGE, {"repository": name, "source": "v1", "storage_class": "glacier"}, ["storage_class", "archive, standard"]),
        ("image nothing to do", IMAGE, {"repository": name, "source": "v1"}, ["tags, storage_class:"]),
        ("image last tag", IMAGE, {"repository": name, "state": "absent", "tags": [tagged]}, ["tags:", "last tag", "force: true"]),
        ("image missing source", IMAGE, {"repository": name, "source": "nope", "tags": ["prod"]}, ["source:", "has no image nope"]),
        ("image missing repository", IMAGE, {"repository": name + "-none", "source": "v1", "tags": ["prod"]}, ["repository:", "does not exist"]),
        ("scan neither tag nor digest", SCAN, {"repository": name}, ["image_tag", "image_digest"]),
        ("scan tag and digest", SCAN, {"repository": name, "image_tag": "v1", "image_digest": DIGEST}, ["image_tag", "image_digest", "mutually exclusive"]),
        ("scan digest not a digest", SCAN, {"repository": name, "image_digest": "v1"}, ["image_digest:", "not an image digest"]),
        ("scan severity unknown", SCAN, {"repository": name, "image_tag": "v1", "fail_on_severity": "dire"}, ["fail_on_severity", "CRITICAL, HIGH", "dire"]),
        ("scan negative timeout", SCAN, {"repository": name, "image_tag": "v1", "wait_timeout": -5}, ["wait_timeout:", "0 to 86400"]),
        ("scan blank ignored finding", SCAN, {"repository": name, "image_tag": "v1", "ignore_findings": ["  "]}, ["ignore_findings[0]:", "finding name"]),
        ("scan missing image", SCAN, {"repository": name, "image_tag": "nope"}, ["image_tag:", "has no image nope"]),
    ]


@pytest.mark.slow
def test_bad_image_input_writes_nothing(moto, tmp_path):
    name = unique("bad-img")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    layer = "sha256:" + hashlib.sha256(name.encode()).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 3, "digest": layer},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3, "digest": layer}],
    }
    ecr.put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag="v1")
    table = cases(name, "v1")
    tasks = [{"name": case_id, module: args, "ignore_errors": True} for case_id, module, args, _fragments in table]
    with Recorder(moto) as recorder:
        play = run_play(tasks, tmp_path, diff=False)
        seen = recorded_writes(recorder)
    messages = {case[0]: str(play[case[0]].get("msg", "")) for case in table if play[case[0]].get("failed")}
    assert len(table) >= 12
    problems = check_messages(table, messages)
    assert not problems, "\n".join(problems)
    assert seen == [], seen
    assert [d.get("imageTags") for d in ecr.describe_images(repositoryName=name)["imageDetails"]] == [["v1"]]
