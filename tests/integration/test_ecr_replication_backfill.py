"""ecr_replication_backfill through ansible-playbook against the stack's moto server (scripts/stack_ecr/backfill.py
copies a backfill's images into the destination region), checked with boto3 in the destination region.

The replication configuration is one per account and region on the shared server: each test leaves it as it
found it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest
from helpers import Recorder, client, image_manifest, run_play, unique, writes
from test_ecr_image_copy import push_signed_index

ACCOUNT = "123456789012"
MODULE = "stowage.ecr.ecr_replication_backfill"
DESTINATION = "eu-south-2"


@pytest.fixture()
def pushed_before(moto):
    """Two repositories under a prefix of their own with two images each, put before a replication rule for that
    prefix to DESTINATION: (prefix, {repository: [digests]}). The configuration is restored afterwards."""
    ecr = client("ecr")
    saved = ecr.describe_registry()["replicationConfiguration"]
    prefix = unique("backfill")
    images = {}
    for name in (prefix + "/api", prefix + "/web"):
        ecr.create_repository(repositoryName=name)
        puts = [ecr.put_image(repositoryName=name, imageManifest=image_manifest(name + str(n)), imageTag="v%d" % n) for n in range(2)]
        images[name] = sorted(put["image"]["imageId"]["imageDigest"] for put in puts)
    rule = {"destinations": [{"region": DESTINATION, "registryId": ACCOUNT}], "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}
    ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    yield prefix, images
    ecr.put_replication_configuration(replicationConfiguration=saved)
    Path(moto["recording"]).parent.joinpath("backfill.json").unlink(missing_ok=True)


def four_times(args):
    return [
        {"name": "check", MODULE: args, "check_mode": True},
        {"name": "real", MODULE: args},
        {"name": "check again", MODULE: args, "check_mode": True},
        {"name": "real again", MODULE: args},
    ]


def test_backfill_copies_the_images_pushed_before_the_rule(pushed_before, tmp_path):
    prefix, images = pushed_before
    there = boto3.client("ecr", region_name=DESTINATION)
    play = run_play(four_times({"destinations": [{"region": DESTINATION}], "wait": True, "wait_timeout": 60}), tmp_path)
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [True, True, False, False]

    check = play["check"]
    assert check["missing"] == [{"region": DESTINATION, "registry_id": ACCOUNT, "images": 4}]
    assert [(s["region"], s["registry_id"], s["id"]) for s in check["started"]] == [(DESTINATION, ACCOUNT, None)]
    assert check["stopped"] == []

    real = play["real"]
    assert real["missing"] == check["missing"]
    (started,) = real["started"]
    assert started["status"] == "PREPARING" and started["id"]
    (backfill,) = real["backfills"]
    assert backfill["id"] == started["id"] and backfill["status"] == "COMPLETE" and backfill["ended_at"]
    assert backfill["progress"]["total_replication_count"] == 4 and backfill["progress"]["completed_replication_count"] == 4
    assert backfill["results"] == {"complete": 4, "failed": 0}
    assert real["diff"]["after"]["backfills"] == [{k: v for k, v in backfill.items() if k != "results"}]
    assert real["diff"]["before"]["backfills"] == [{"region": DESTINATION, "registry_id": ACCOUNT, "id": None, "status": None}]

    for task in ("check again", "real again"):
        assert play[task]["missing"] == [{"region": DESTINATION, "registry_id": ACCOUNT, "images": 0}]
        assert play[task]["started"] == [] and play[task]["backfills"][0]["id"] == started["id"]
    again = play["real again"]
    assert again["diff"]["before"] == again["diff"]["after"]

    # the images are in the destination region, with the same digests and tags
    for name, digests in images.items():
        found = there.describe_images(repositoryName=name)["imageDetails"]
        assert sorted(d["imageDigest"] for d in found) == digests
        assert sorted(t for d in found for t in d["imageTags"]) == ["v0", "v1"]
    status = client("ecr").describe_image_replication_status(repositoryName=prefix + "/api", imageId={"imageTag": "v0"})
    assert status["replicationStatuses"] == [{"region": DESTINATION, "registryId": ACCOUNT, "status": "COMPLETE"}]


def test_stop_a_running_backfill(pushed_before, moto, tmp_path):
    prefix, _images = pushed_before
    Path(moto["recording"]).parent.joinpath("backfill.json").write_text(json.dumps({"seconds": 600}))
    # a region of its own, so that the other test's backfill is not this one's
    region = "eu-central-2"
    rule = {"destinations": [{"region": region, "registryId": ACCOUNT}], "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}
    client("ecr").put_replication_configuration(replicationConfiguration={"rules": [rule]})
    stop = {"state": "stopped"}
    play = run_play(
        [
            {"name": "start", MODULE: {"missing_only": False}},
            {"name": "running", MODULE: {"missing_only": False}},
            {"name": "check stop", MODULE: stop, "check_mode": True},
            {"name": "stop", MODULE: stop},
            {"name": "stop again", MODULE: stop},
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    (started,) = play["start"]["started"]
    assert play["start"]["changed"] and "missing" not in play["start"]
    # a destination with a backfill in progress gets no other
    assert not play["running"]["changed"] and play["running"]["backfills"][0]["status"] == "IN_PROGRESS"
    assert play["check stop"]["changed"] and [s["id"] for s in play["check stop"]["stopped"]] == [started["id"]]
    assert play["check stop"]["backfills"][0]["status"] == "IN_PROGRESS"
    assert play["stop"]["changed"] and play["stop"]["backfills"][0]["status"] == "STOPPED"
    assert play["stop"]["diff"]["before"]["backfills"][0]["status"] == "IN_PROGRESS"
    assert not play["stop again"]["changed"] and play["stop again"]["stopped"] == []
    # a stop copies nothing here (the stack copies when a backfill ends)
    there = boto3.client("ecr", region_name=region)
    with pytest.raises(there.exceptions.RepositoryNotFoundException):
        there.describe_repositories(repositoryNames=[prefix + "/api"])


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"destinations": [{"region": "eu-west-3"}]}, "destinations[0]: eu-west-3/%s is not a destination of the registry's replication rules" % ACCOUNT),
        ({"destinations": [{"region": DESTINATION, "registry_id": "12"}]}, "destinations[0].registry_id: '12' is not a registry id"),
        ({"destinations": [{"region": "EU West"}]}, "destinations[0].region: 'EU West' is not a region name"),
        ({"destinations": []}, "destinations: give 1 to 25 destinations, got 0"),
        ({"wait": True, "wait_timeout": 0}, "wait_timeout: give a number of seconds of 1 or more, got 0"),
    ],
)
def test_bad_input_fails_before_any_write(pushed_before, moto, tmp_path, args, fragment):
    with Recorder(moto) as recorder:
        play = run_play([{"name": "bad", MODULE: args, "ignore_errors": True}], tmp_path)
    assert play["bad"]["failed"] and fragment in play["bad"]["msg"], play["bad"]["msg"]
    assert writes(recorder.operations()) == []


def test_method_copy_copies_what_the_destination_lacks_through_ecr_api(linked_registry, moto, dockerd, tmp_path):
    """method: copy brings a signed two-architecture index that a rule selects, pushed before the rule, to the
    destination within the task: the same digests and tags there; a destination without the repository is refused
    before any write."""
    record, config = linked_registry
    ecr, destination = client("ecr"), "ca-central-1"
    there = boto3.client("ecr", region_name=destination)
    saved = ecr.describe_registry()["replicationConfiguration"]
    name = unique("bfcopy") + "/app"
    ecr.create_repository(repositoryName=name)
    made = push_signed_index(record, dockerd, config, name, [("amd64", os.urandom(6 * 1024 * 1024)), ("arm64", b"small " + name.encode())])
    rule = {"destinations": [{"region": destination, "registryId": ACCOUNT}], "repositoryFilters": [{"filter": name, "filterType": "PREFIX_MATCH"}]}
    ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    args = {"destinations": [{"region": destination}], "method": "copy"}
    try:
        with Recorder(moto) as recorder:
            play = run_play([{"name": "no repository", MODULE: args, "ignore_errors": True}], tmp_path)
        assert play["no repository"].get("failed") and play["no repository"]["msg"].startswith("method: copy to %s/%s refused" % (destination, ACCOUNT))
        assert "does not exist" in play["no repository"]["msg"] and writes(recorder.operations()) == []

        there.create_repository(repositoryName=name)
        play = run_play(four_times(args), tmp_path, diff=True)
        assert play.rc == 0, play.failures()
        assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [True, True, False, False]
        check, real = play["check"], play["real"]
        assert check["missing"] == [{"region": destination, "registry_id": ACCOUNT, "images": 4}]
        assert check["started"] == [] and real["started"] == []
        # the index with its images and signature, then the images' own tags
        tagged = [(made["index"], ["v1"]), (made["children"][0], ["amd64"]), (made["children"][1], ["arm64"])]
        assert [(c["digest"], c["tags"]) for c in check["copies"]] == tagged
        assert check["copies"][0]["copied"]["manifests"] == 4 and check["copies"][0]["copied"]["bytes"] > 6 * 1024 * 1024
        assert [c["digest"] for c in real["copies"]] == [c["digest"] for c in check["copies"]]
        assert real["copies"][0]["copied"] == check["copies"][0]["copied"] and real["copies"][1]["copied"]["manifests"] == 0
        assert real["diff"]["before"]["images"] == sorted("%s/%s: %s@%s" % (destination, ACCOUNT, name, c["digest"]) for c in check["copies"])
        assert real["diff"]["after"]["images"] == []
        for task in ("check again", "real again"):
            assert play[task]["copies"] == [] and play[task]["missing"] == [{"region": destination, "registry_id": ACCOUNT, "images": 0}]
        assert play["real again"]["diff"]["before"] == play["real again"]["diff"]["after"]

        found = {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in there.describe_images(repositoryName=name)["imageDetails"]}
        here = {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in ecr.describe_images(repositoryName=name)["imageDetails"]}
        assert found == here == {made["index"]: ["v1"], made["children"][0]: ["amd64"], made["children"][1]: ["arm64"], made["signature"]: []}
        referrers = there.list_image_referrers(repositoryName=name, subjectId={"imageDigest": made["index"]})["referrers"]
        assert [r["digest"] for r in referrers] == [made["signature"]]
    finally:
        ecr.put_replication_configuration(replicationConfiguration=saved)
