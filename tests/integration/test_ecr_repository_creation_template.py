"""ecr_repository_creation_template through ansible-playbook against the local stack, checked with boto3.

Templates are registry-wide: each test uses prefixes of its own and deletes its templates. The stack's
UpdateRepositoryCreationTemplate resets what a request leaves out, so the tests that leave options out
prove the module sends the template's live values."""

from __future__ import annotations

import json

from helpers import Recorder, client, run_play, unique, writes

M = "stowage.ecr.ecr_repository_creation_template"
ROLE = "arn:aws:iam::123456789012:role/ecr-template"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "pull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}
RULES = [
    {"priority": 1, "description": "untagged", "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 7},
    {"priority": 10, "tag_status": "any", "count_type": "image_count_more_than", "count_number": 100},
]
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "untagged",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
            "action": {"type": "expire"},
        },
        {"rulePriority": 10, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}, "action": {"type": "expire"}},
    ]
}


def live(prefix):
    found = client("ecr").describe_repository_creation_templates(prefixes=[prefix])["repositoryCreationTemplates"]
    return found[0] if found else None


def four_times(args, prefix=""):
    return [
        {"name": prefix + "check", M: args, "check_mode": True},
        {"name": prefix + "real", M: args},
        {"name": prefix + "check again", M: args, "check_mode": True},
        {"name": prefix + "real again", M: args},
    ]


def changes(play, prefix=""):
    return [play[prefix + t]["changed"] for t in ("check", "real", "check again", "real again")]


def test_template_create_same_in_other_words_update_delete(moto, tmp_path):
    prefix = unique("tpl")
    args = {
        "prefix": prefix,
        "applied_for": ["PULL_THROUGH_CACHE", "REPLICATION"],
        "description": "cache settings",
        "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
        "image_tag_mutability_exclusion_filters": ["latest", "dev-*"],
        "tags": {"team": "platform", "cost": 42},
        "policy": POLICY,
        "lifecycle_rules": RULES,
        "custom_role_arn": ROLE,
    }
    same = {
        "prefix": prefix,
        "applied_for": ["replication", "pull_through_cache"],
        "image_tag_mutability_exclusion_filters": ["dev-*", "latest"],
        "image_tag_mutability": "immutable_with_exclusion",
        "tags": {"cost": "42", "team": "platform"},
        "repository_policy": json.dumps({"Statement": POLICY["Statement"], "Version": "2012-10-17"}),
        "lifecycle_policy": json.dumps({"rules": list(reversed(LIFECYCLE["rules"]))}),
    }
    tasks = four_times(args) + [{"name": "same in other words", M: same}, {"name": "same, check", M: same, "check_mode": True}]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert changes(play) == [True, True, False, False]
    assert play["same in other words"]["changed"] is False and play["same, check"]["changed"] is False
    assert writes(rec.operations()) == ["CreateRepositoryCreationTemplate"]
    template = live(prefix)
    assert template["appliedFor"] == ["PULL_THROUGH_CACHE", "REPLICATION"] and template["customRoleArn"] == ROLE
    assert json.loads(template["repositoryPolicy"]) == POLICY and json.loads(template["lifecyclePolicy"]) == LIFECYCLE
    assert sorted(f["filter"] for f in template["imageTagMutabilityExclusionFilters"]) == ["dev-*", "latest"]
    assert {t["Key"]: t["Value"] for t in template["resourceTags"]} == {"team": "platform", "cost": "42"}
    expected = {
        "prefix": prefix,
        "description": "cache settings",
        "applied_for": ["PULL_THROUGH_CACHE", "REPLICATION"],
        "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
        "image_tag_mutability_exclusion_filters": ["dev-*", "latest"],
        "encryption_type": "AES256",
        "kms_key": None,
        "tags": {"cost": "42", "team": "platform"},
        "policy": POLICY,
        "lifecycle_policy": LIFECYCLE,
        "custom_role_arn": ROLE,
    }
    assert play["check"]["diff"] == {"before": {}, "after": expected}
    assert play["real"]["diff"] == {"before": {}, "after": expected}
    assert play["real"]["operation"] == "create" and play["real"]["template"]["created_at"]
    assert play["real again"]["diff"]["before"] == play["real again"]["diff"]["after"] == expected

    # options left out keep the template's values (the stack resets what an update leaves out)
    tasks = four_times({"prefix": prefix, "description": "new words"}, "describe ")
    tasks += [
        {"name": "add a tag", M: {"prefix": prefix, "tags": {"extra": "yes"}, "purge_tags": False}},
        {"name": "drop lifecycle and policy", M: {"prefix": prefix, "lifecycle_rules": [], "purge_policy": True}},
        {"name": "mutability keeps filters", M: {"prefix": prefix, "image_tag_mutability": "MUTABLE_WITH_EXCLUSION"}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert changes(play, "describe ") == [True, True, False, False]
    assert play["describe real"]["changes"] == ["description"] and play["describe real"]["operation"] == "update"
    assert play["describe check"]["diff"]["after"] == dict(expected, description="new words")
    assert play["add a tag"]["changes"] == ["tags"]
    assert play["drop lifecycle and policy"]["changes"] == ["lifecycle_policy", "policy"]
    assert play["mutability keeps filters"]["changes"] == ["image_tag_mutability"]
    assert writes(rec.operations()) == ["UpdateRepositoryCreationTemplate"] * 4
    template = live(prefix)
    assert template["description"] == "new words" and template["customRoleArn"] == ROLE and template["appliedFor"] == ["PULL_THROUGH_CACHE", "REPLICATION"]
    assert {t["Key"]: t["Value"] for t in template["resourceTags"]} == {"team": "platform", "cost": "42", "extra": "yes"}
    assert "lifecyclePolicy" not in template and "repositoryPolicy" not in template
    assert template["imageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
    assert sorted(f["filter"] for f in template["imageTagMutabilityExclusionFilters"]) == ["dev-*", "latest"]

    with Recorder(moto) as rec:
        play = run_play(four_times({"prefix": prefix, "state": "absent"}), tmp_path)
    assert changes(play) == [True, True, False, False]
    assert play["real"]["diff"]["after"] == {} and play["real"]["diff"]["before"]["description"] == "new words"
    assert writes(rec.operations()) == ["DeleteRepositoryCreationTemplate"]
    assert live(prefix) is None


def test_root_template_kms_alias_and_warnings(moto, tmp_path):
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]
    alias = "alias/%s" % unique("tpl-key")
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    args = {"prefix": "ROOT", "applied_for": ["CREATE_ON_PUSH"], "encryption_type": "KMS", "kms_key": alias, "tags": {"owner": "platform"}}
    tasks = four_times(args) + [
        {"name": "key by id", M: dict(args, kms_key=key["KeyId"])},
        {"name": "managed key", M: {"prefix": "ROOT", "encryption_type": "KMS", "kms_key": "alias/aws/ecr"}},
        {"name": "delete", M: {"prefix": "ROOT", "state": "absent"}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert changes(play) == [True, True, False, False]
    assert play["real"]["template"]["kms_key"] == key["Arn"] and play["check"]["diff"]["after"]["kms_key"] == key["Arn"]
    assert any("no custom_role_arn" in w for w in play["real"].get("warnings", []))
    assert play["key by id"]["changed"] is False
    assert play["managed key"]["changes"] == ["kms_key"] and play["managed key"]["template"]["kms_key"] is None
    assert play["delete"]["changed"] is True and live("ROOT") is None
    assert writes(rec.operations()) == ["CreateRepositoryCreationTemplate", "UpdateRepositoryCreationTemplate", "DeleteRepositoryCreationTemplate"]
