"""Lifecycle preview against moto: ecr_lifecycle_preview, and preview / max_expiring on ecr_lifecycle_policy,
the items of ecr_repositories and the role. Images are put into moto with PutImage (each stamped with the time
of its put, in put order, so ages come from as_of)."""

from __future__ import annotations

import hashlib
import json

import pytest
from helpers import Recorder, client, run_play, unique, writes
from lifecycle_cases import TERRAFORM_ARCHIVE_POLICY, TERRAFORM_ARCHIVE_RULES

UNTAGGED_KEEP_1 = {"priority": 1, "description": "one untagged", "tag_status": "untagged", "count_type": "image_count_more_than", "count_number": 1}
V_KEEP_1 = {"priority": 2, "tag_status": "tagged", "tag_prefixes": ["v"], "count_type": "image_count_more_than", "count_number": 1}
OLD_UNTAGGED = {"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 30, "count_unit": "days"}


def manifest(seed: str) -> str:
    digest = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 100, "digest": digest},
            # moto makes the image digest of the layer digests
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 10, "digest": digest}],
        }
    )


def repository_with_images() -> str:
    """A repository with 3 untagged images and v1, v2, v3 (each on its own image) and latest on v3's."""
    name = unique("preview")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    for n in range(3):
        ecr.put_image(repositoryName=name, imageManifest=manifest("%s untagged %d" % (name, n)))
    for tag in ("v1", "v2", "v3"):
        ecr.put_image(repositoryName=name, imageManifest=manifest("%s %s" % (name, tag)), imageTag=tag)
    ecr.put_image(repositoryName=name, imageManifest=manifest("%s v3" % name), imageTag="latest")
    return name


def test_preview_module_local_with_rules_live_policy_and_as_of(moto, tmp_path):
    name = repository_with_images()
    tasks = [
        {"name": "rules", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "rules": [UNTAGGED_KEEP_1, V_KEEP_1]}},
        {"name": "no policy", "stowage.ecr.ecr_lifecycle_preview": {"repository": name}},
        {"name": "not old yet", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "rules": [OLD_UNTAGGED]}},
        {"name": "in 40 days", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "rules": [OLD_UNTAGGED], "as_of": "2099-01-01T00:00:00Z"}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path, check=False)
    assert play.rc == 0, play.failures()
    assert writes(rec.operations()) == []
    rules = play["rules"]
    assert rules["changed"] is False and rules["evaluated"] == 6 and rules["source"] == "local"
    # two of the three untagged images and two of v1..v3 go; the newest of each stays
    assert len(rules["expiring"]) == 4 and rules["kept"] == 2
    assert [(r["rule_priority"], r["acted_on"]) for r in rules["rules"]] == [(1, 2), (2, 2)]
    # each image has its own push time: the two oldest untagged images go, and v1 and v2 (v3 is the newest)
    pushed = sorted(client("ecr").describe_images(repositoryName=name)["imageDetails"], key=lambda d: d["imagePushedAt"])
    untagged = [d["imageDigest"] for d in pushed if not d.get("imageTags")]
    assert [e["image_digest"] for e in rules["expiring"] if not e["image_tags"]] == untagged[:2]
    assert [e["image_tags"] for e in rules["expiring"] if e["image_tags"]] == [["v1"], ["v2"]]
    assert all(e["action"] == "expire" and e["image_digest"].startswith("sha256:") and e["image_pushed_at"] for e in rules["expiring"])
    assert play["no policy"]["policy"] is None and play["no policy"]["expiring"] == [] and play["no policy"]["evaluated"] == 6
    assert play["not old yet"]["expiring"] == []
    later = play["in 40 days"]
    assert later["as_of"].startswith("2099-01-01") and len(later["expiring"]) == 3 and all(not e["image_tags"] for e in later["expiring"])


@pytest.mark.matrix
def test_policy_change_previews_in_check_and_diff_and_the_guard_writes_nothing(moto, tmp_path):
    name = repository_with_images()
    args = {"repository": name, "rules": [UNTAGGED_KEEP_1, V_KEEP_1], "preview": True}
    with Recorder(moto) as rec:
        check = run_play([{"name": "check", "stowage.ecr.ecr_lifecycle_policy": args}], tmp_path, check=True)
        guarded = run_play([{"name": "guard", "stowage.ecr.ecr_lifecycle_policy": dict(args, max_expiring=3), "ignore_errors": True}], tmp_path)
    assert check.rc == 0, check.failures()
    assert writes(rec.operations()) == []
    result = check["check"]
    assert result["changed"] and len(result["preview"]["expiring"]) == 4
    policy_diff, images_diff = result["diff"]
    assert policy_diff["before"] == {} and policy_diff["after"]["rules"]
    listed = images_diff["after"].splitlines()
    assert len(listed) == 4 and all(line.startswith("expire sha256:") for line in listed) and "(4 of 6)" in images_diff["after_header"]
    refused = guarded["guard"]
    assert refused["failed"] and "max_expiring" in refused["msg"] and "expire 4 images" in refused["msg"] and "rule 1 expires 2" in refused["msg"]
    assert "Nothing was written" in refused["msg"]
    lifecycle = client("ecr").get_lifecycle_policy
    try:
        lifecycle(repositoryName=name)
        raise AssertionError("the guard let a policy through")
    except client("ecr").exceptions.LifecyclePolicyNotFoundException:
        pass
    # within the limit: put, with the preview in the result; the live policy then previews the same
    play = run_play(
        [
            {"name": "put", "stowage.ecr.ecr_lifecycle_policy": dict(args, max_expiring=4)},
            {"name": "again", "stowage.ecr.ecr_lifecycle_policy": dict(args, max_expiring=0)},
            {"name": "live", "stowage.ecr.ecr_lifecycle_preview": {"repository": name}},
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    assert play["put"]["changed"] and len(play["put"]["preview"]["expiring"]) == 4
    # no change: nothing is put, so the guard does not refuse; the preview still says what the policy does
    assert not play["again"]["changed"] and len(play["again"]["preview"]["expiring"]) == 4
    assert [e["image_digest"] for e in play["live"]["expiring"]] == [e["image_digest"] for e in play["put"]["preview"]["expiring"]]
    assert json.loads(lifecycle(repositoryName=name)["lifecyclePolicyText"])["rules"]


def test_preview_bad_input_fails_before_any_call(moto, tmp_path):
    name = repository_with_images()
    cases = {
        "as_of": ({"repository": name, "as_of": "next tuesday"}, "as_of: 'next tuesday' is not an ISO 8601 time"),
        "as_of aws": ({"repository": name, "as_of": "2030-01-01T00:00:00Z", "source": "aws"}, "as_of: AWS's preview"),
        "source": ({"repository": name, "source": "remote"}, "source"),
        "both": ({"repository": name, "rules": [OLD_UNTAGGED], "policy": {"rules": []}}, "mutually exclusive"),
        "bad rule": ({"repository": name, "rules": [dict(OLD_UNTAGGED, count_number=0)]}, "count_number"),
        "name": ({"repository": "Bad Name"}, "repository:"),
        "missing": ({"repository": name + "-missing"}, "does not exist"),
    }
    tasks = [{"name": key, "stowage.ecr.ecr_lifecycle_preview": case[0], "ignore_errors": True} for key, case in cases.items()]
    tasks.append(
        {"name": "negative", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [OLD_UNTAGGED], "max_expiring": -1}, "ignore_errors": True}
    )
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    for key, (_args, words) in cases.items():
        assert play[key].get("failed") and words in play[key]["msg"], (key, play[key].get("msg"))
    assert play["negative"]["failed"] and "max_expiring: -1 is negative" in play["negative"]["msg"]
    assert writes(rec.operations()) == []


def test_fleet_items_and_role_preview_and_guard(moto, tmp_path):
    guarded, fine = repository_with_images(), repository_with_images()
    args = {
        "defaults": {"lifecycle_rules": [UNTAGGED_KEEP_1], "preview": True},
        "repositories": [{"name": guarded, "max_expiring": 1}, {"name": fine}],
    }
    with Recorder(moto) as rec:
        play = run_play([{"name": "fleet", "stowage.ecr.ecr_repositories": args, "ignore_errors": True}], tmp_path)
    result = play["fleet"]
    by_name = {r["name"]: r for r in result["repositories"]}
    # the guarded item fails before its policy is put; the other converges, with its preview and its diff
    assert by_name[guarded]["failed"] and "expire 2 images of %s right away, more than max_expiring 1" % guarded in by_name[guarded]["msg"]
    assert not by_name[fine]["failed"] and len(by_name[fine]["lifecycle_preview"]["expiring"]) == 2
    assert writes(rec.operations()) == ["PutLifecyclePolicy"]
    # the guard's read of the live policy serves the lifecycle step too: one read per item
    assert rec.operations().count("GetLifecyclePolicy") == 2
    listed = [d for d in result["diff"] if isinstance(d.get("after"), str)]
    assert len(listed) == 1 and listed[0]["after"].count("expire sha256:") == 2

    # the role: check mode names the images in the diff; the guard stops it before the policy is written
    role = {"ecr_repo_name": guarded, "ecr_repo_lifecycle_rules": [UNTAGGED_KEEP_1], "ecr_repo_lifecycle_preview": True}
    check = run_play([{"name": "role", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": role}], tmp_path, check=True)
    assert check.rc == 0, check.failures()
    step = check["stowage.ecr.ecr_repo : Repository and its lifecycle policy"]
    assert len(step["repositories"][0]["lifecycle_preview"]["expiring"]) == 2
    assert any(isinstance(d.get("after"), str) and d["after"].count("expire sha256:") == 2 for d in step["diff"])
    with Recorder(moto) as rec:
        stopped = run_play(
            [{"name": "role", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": dict(role, ecr_repo_max_expiring=0)}], tmp_path
        )
    assert stopped.rc != 0 and "max_expiring" in stopped.failures()
    # not even the repository's own settings (the role's scan on push) were written
    assert writes(rec.operations()) == []
    try:
        client("ecr").get_lifecycle_policy(repositoryName=guarded)
        raise AssertionError("the guard let a policy through")
    except client("ecr").exceptions.LifecyclePolicyNotFoundException:
        pass


def test_preview_sees_archived_images(moto, tmp_path):
    """Archived images (the stack's UpdateImageStorageClass) are evaluated too: ECR lists them only when asked."""
    name = repository_with_images()
    ecr = client("ecr")
    archived = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "v1"}])["imageDetails"][0]["imageDigest"]
    ecr.update_image_storage_class(repositoryName=name, imageId={"imageDigest": archived}, targetStorageClass="ARCHIVE")
    rule = {"priority": 1, "tag_status": "any", "count_type": "since_image_transitioned", "count_number": 1}
    play = run_play(
        [{"name": "archived", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "rules": [rule], "as_of": "2099-01-01T00:00:00Z"}}],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    result = play["archived"]
    assert result["evaluated"] == 6
    assert [image["image_digest"] for image in result["expiring"]] == [archived]


@pytest.mark.matrix
def test_one_any_rule_a_storage_class_is_put_and_previewed(moto, tmp_path):
    """The archive policy Terraform puts to AWS passes the checks as JSON and as typed rules, and its preview acts
    on each storage class with its own rule. moto's PutLifecyclePolicy knows no storageClass, sinceImagePulled
    or transition (its schema predates ECR's archive), so the put is made in check mode, with its preview."""
    name = repository_with_images()
    ecr = client("ecr")
    archived = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "v1"}])["imageDetails"][0]["imageDigest"]
    ecr.update_image_storage_class(repositoryName=name, imageId={"imageDigest": archived}, targetStorageClass="ARCHIVE")
    typed = TERRAFORM_ARCHIVE_RULES
    later = "2099-01-01T00:00:00Z"
    tasks = [
        {"name": "put json", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "policy": TERRAFORM_ARCHIVE_POLICY, "preview": True}, "check_mode": True},
        {"name": "put rules", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": typed, "preview": True}, "check_mode": True},
        {"name": "later", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "policy": TERRAFORM_ARCHIVE_POLICY, "as_of": later}},
        {"name": "later rules", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "rules": typed, "as_of": later}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert writes(rec.operations()) == []
    for task in ("put json", "put rules"):
        put = play[task]
        assert put["changed"] and put["policy"] == TERRAFORM_ARCHIVE_POLICY, task
        # everything was pushed just now: no rule acts yet
        assert put["preview"]["expiring"] == [] and put["preview"]["evaluated"] == 6
    later_result = play["later"]
    acted = {e["image_digest"]: (e["action"], e["rule_priority"]) for e in later_result["expiring"]}
    # every standard image goes to archive by rule 1; the archived one is expired by rule 2, which rule 1 does not shadow
    assert acted[archived] == ("expire", 2)
    assert sorted(v for d, v in acted.items() if d != archived) == [("transition", 1)] * 5
    assert [(r["rule_priority"], r["acted_on"]) for r in later_result["rules"]] == [(1, 5), (2, 1)]
    assert play["later rules"]["expiring"] == later_result["expiring"]
    # nothing was put on the AWS side
    try:
        ecr.get_lifecycle_policy(repositoryName=name)
        raise AssertionError("a policy was put in check mode")
    except ecr.exceptions.LifecyclePolicyNotFoundException:
        pass
