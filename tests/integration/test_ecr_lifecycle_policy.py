"""ecr_lifecycle_policy through ansible-playbook against the moto server, checked with boto3."""

from __future__ import annotations

import json

import pytest
from helpers import Recorder, client, run_play, unique, writes

SEED_RULE = {
    "priority": 1,
    "description": "Expire untagged images older than 30 days",
    "tag_status": "untagged",
    "count_type": "since_image_pushed",
    "count_number": 30,
}
SEED_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images older than 30 days",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30},
            "action": {"type": "expire"},
        }
    ]
}


def four_times(args):
    return [
        {"name": "check", "stowage.ecr.ecr_lifecycle_policy": args, "check_mode": True},
        {"name": "real", "stowage.ecr.ecr_lifecycle_policy": args},
        {"name": "check again", "stowage.ecr.ecr_lifecycle_policy": args, "check_mode": True},
        {"name": "real again", "stowage.ecr.ecr_lifecycle_policy": args},
    ]


def assert_four(play, changed=True):
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [changed, changed, False, False]


def live_policy(name):
    return json.loads(client("ecr").get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])


def new_repository(prefix="lc"):
    name = unique(prefix)
    client("ecr").create_repository(repositoryName=name)
    return name


@pytest.mark.matrix
def test_seed_rule_four_times(moto, tmp_path):
    name = new_repository()
    with Recorder(moto) as rec:
        play = run_play(four_times({"repository": name, "rules": [SEED_RULE]}), tmp_path)
    assert_four(play)
    assert writes(rec.operations()) == ["PutLifecyclePolicy"]
    assert live_policy(name) == SEED_POLICY
    assert play["real"]["policy"] == SEED_POLICY
    assert play["check"]["diff"] == {"before": {}, "after": SEED_POLICY}
    assert play["real again"]["policy"] == SEED_POLICY
    assert play["real"]["repository_name"] == play["real"]["repository"] == name


def test_same_policy_in_other_spellings_is_no_change(moto, tmp_path):
    name = new_repository()
    rules = [
        {"priority": 20, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 14},
        {"priority": 10, "tag_status": "tagged", "tag_prefixes": ["v", "release-"], "count_type": "image_count_more_than", "count_number": 10},
        {"priority": 100, "description": "cap", "tag_status": "any", "count_type": "image_count_more_than", "count_number": 500},
    ]
    play = run_play(four_times({"repository": name, "rules": rules}), tmp_path)
    assert_four(play)
    # AWS JSON with rules and lists reordered, numbers as strings, defaults spelled out
    policy = {
        "rules": [
            {
                "rulePriority": 100,
                "description": "cap",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": "500", "storageClass": "standard"},
                "action": {"type": "expire"},
            },
            {
                "rulePriority": "10",
                "selection": {"tagStatus": "tagged", "tagPrefixList": ["release-", "v"], "countType": "imageCountMoreThan", "countNumber": 10},
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 20,
                "selection": {"countNumber": "14", "countUnit": "days", "countType": "sinceImagePushed", "tagStatus": "untagged"},
                "action": {"type": "expire"},
            },
        ]
    }
    reordered_rules = list(reversed(rules))
    reordered_rules[1] = dict(reordered_rules[1], tag_prefixes=["release-", "v"], count_number="10")
    with Recorder(moto) as rec:
        play = run_play(
            [
                {"name": "dict", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "policy": policy}},
                {"name": "string", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "policy": json.dumps(policy)}},
                {"name": "rules reordered", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": reordered_rules}},
            ],
            tmp_path,
        )
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("dict", "string", "rules reordered")] == [False, False, False]
    assert writes(rec.operations()) == []
    assert [r["rulePriority"] for r in play["dict"]["policy"]["rules"]] == [10, 20, 100]


@pytest.mark.matrix
def test_change_shows_before_and_after(moto, tmp_path):
    name = new_repository()
    run_play([{"name": "seed", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [SEED_RULE]}}], tmp_path)
    changed = dict(SEED_RULE, count_number=14)
    play = run_play(four_times({"repository": name, "rules": [changed]}), tmp_path)
    assert_four(play)
    for task in ("check", "real"):
        diff = play[task]["diff"]
        assert diff["before"]["rules"][0]["selection"]["countNumber"] == 30
        assert diff["after"]["rules"][0]["selection"]["countNumber"] == 14
    assert live_policy(name)["rules"][0]["selection"]["countNumber"] == 14


def test_every_rule_field(moto, tmp_path):
    name = new_repository()
    rules = [
        {
            "priority": 1,
            "description": "prod releases",
            "tag_status": "tagged",
            "tag_patterns": ["prod-*-v*", "*-signed"],
            "count_type": "image_count_more_than",
            "count_number": 50,
        },
        {
            "priority": 2,
            "tag_status": "tagged",
            "tag_prefixes": ["pr-"],
            "count_type": "since_image_pushed",
            "count_number": 7,
            "count_unit": "days",
            "storage_class": "standard",
            "action": "expire",
        },
        {"priority": 3, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 1},
    ]
    play = run_play(four_times({"repository": name, "rules": rules}), tmp_path)
    assert_four(play)
    live = live_policy(name)
    assert live["rules"][0]["selection"]["tagPatternList"] == ["*-signed", "prod-*-v*"]
    assert live["rules"][0]["description"] == "prod releases"
    assert live["rules"][1]["selection"] == {
        "tagStatus": "tagged",
        "tagPrefixList": ["pr-"],
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert live["rules"][2]["selection"]["tagStatus"] == "untagged"


def test_archive_and_pull_rules_in_check_mode(moto, tmp_path):
    """Transition to archive, expiry of archived images and since_image_pulled: compiled, validated, reported.

    moto's lifecycle schema predates these (it refuses storageClass, sinceImagePulled and the
    transition action), so the real put is left to AWS; check mode shows the policy that would be put.
    """
    name = new_repository()
    rules = [
        {"priority": 1, "tag_status": "any", "count_type": "since_image_transitioned", "count_number": 180},
    ]
    transition = [
        {
            "priority": 5,
            "tag_status": "untagged",
            "count_type": "since_image_pulled",
            "count_number": 90,
            "action": "transition",
            "target_storage_class": "archive",
        },
        {"priority": 6, "tag_status": "tagged", "tag_prefixes": ["pr-"], "count_type": "since_image_pulled", "count_number": 7},
    ]
    play = run_play(
        [
            {"name": "expire archived", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": rules}, "check_mode": True},
            {"name": "transition", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": transition}, "check_mode": True},
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    assert play["expire archived"]["policy"]["rules"][0]["selection"]["storageClass"] == "archive"
    assert play["transition"]["policy"]["rules"][0]["action"] == {"type": "transition", "targetStorageClass": "archive"}
    assert play["transition"]["policy"]["rules"][1]["selection"] == {
        "tagStatus": "tagged",
        "tagPrefixList": ["pr-"],
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert play["transition"]["changed"] is True


def test_absent_four_times(moto, tmp_path):
    name = new_repository()
    run_play([{"name": "seed", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [SEED_RULE]}}], tmp_path)
    play = run_play(four_times({"repository": name, "state": "absent"}), tmp_path)
    assert_four(play)
    assert play["check"]["diff"] == {"before": SEED_POLICY, "after": {}}
    assert play["real"]["policy"] is None
    try:
        client("ecr").get_lifecycle_policy(repositoryName=name)
        raise AssertionError("the lifecycle policy is still there")
    except client("ecr").exceptions.LifecyclePolicyNotFoundException:
        pass


def test_missing_repository(moto, tmp_path):
    name = unique("nothere")
    with Recorder(moto) as rec:
        play = run_play(
            [
                {"name": "check", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [SEED_RULE]}, "check_mode": True},
                {"name": "real", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [SEED_RULE]}, "ignore_errors": True},
                {"name": "absent", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "state": "absent"}},
            ],
            tmp_path,
        )
    # check mode tells what a play that creates the repository first would do
    assert play["check"]["changed"] is True and play["check"]["policy"] == SEED_POLICY
    assert any("does not exist yet" in w for w in play["check"].get("warnings", []))
    assert play["real"]["failed"] is True and name in play["real"]["msg"] and "does not exist" in play["real"]["msg"]
    assert play["absent"]["changed"] is False
    assert writes(rec.operations()) == []


def test_repository_and_policy_in_check_mode_for_a_new_repository(moto, tmp_path):
    """The seed's two steps in check mode, before anything exists: both report the change, nothing fails."""
    name = unique("newcheck")
    with Recorder(moto) as rec:
        play = run_play(
            [
                {"name": "repo", "stowage.ecr.ecr_repository": {"name": name, "scan_on_push": True, "encryption_type": "AES256"}},
                {"name": "policy", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [SEED_RULE]}},
            ],
            tmp_path,
            check=True,
        )
    assert play.rc == 0, play.failures()
    assert play["repo"]["changed"] and play["policy"]["changed"]
    assert writes(rec.operations()) == []


@pytest.mark.matrix
def test_absent_with_a_policy_is_refused_and_deletes_nothing(moto, tmp_path):
    """state absent with policy or rules contradicts itself: refused before any call, the live policy kept."""
    name = new_repository()
    client("ecr").put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(SEED_POLICY))
    tasks = [
        {"name": "rules", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "state": "absent", "rules": [SEED_RULE]}, "ignore_errors": True},
        {"name": "policy", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "state": "absent", "policy": SEED_POLICY}, "ignore_errors": True},
        {
            "name": "policy check",
            "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "state": "absent", "policy": json.dumps(SEED_POLICY)},
            "check_mode": True,
            "ignore_errors": True,
        },
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert rec.operations() == []
    assert play["rules"]["failed"] and play["rules"]["msg"].startswith("rules: state absent deletes the lifecycle policy, and does not take rules")
    for task in ("policy", "policy check"):
        assert play[task]["failed"] and play[task]["msg"].startswith("policy: state absent"), play[task]
    assert live_policy(name) == SEED_POLICY
