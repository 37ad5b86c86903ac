"""Lifecycle rules: compile, validate, normalise, compare."""

from __future__ import annotations

import json
import random

import pytest
from lifecycle_cases import TERRAFORM_ARCHIVE_POLICY, TERRAFORM_ARCHIVE_RULES

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import (
    POLICY_TEXT_MIN,
    compile_rules,
    normalise_policy,
    parse_policy,
    policies_equal,
    policy_text,
    typed_rules,
    validate_policy,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import PolicyError

SEED = {
    "priority": 1,
    "description": "Expire untagged images older than 30 days",
    "tag_status": "untagged",
    "count_type": "since_image_pushed",
    "count_number": 30,
}


def rule(**fields):
    base = {"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 30}
    base.update(fields)
    return base


def test_compile_seed_rule():
    assert compile_rules([SEED]) == {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images older than 30 days",
                "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30},
                "action": {"type": "expire"},
            }
        ]
    }


def test_compile_every_field():
    policy = compile_rules(
        [
            rule(priority=10, tag_status="tagged", tag_prefixes=["v"], count_type="image_count_more_than", count_number=5),
            rule(
                priority=20,
                tag_status="tagged",
                tag_patterns=["prod-*"],
                count_type="since_image_pulled",
                count_number=9,
                action="transition",
                target_storage_class="archive",
            ),
            rule(priority=30, tag_status="any", count_type="since_image_transitioned", count_number=365),
        ]
    )
    first, second, third = policy["rules"]
    assert first["selection"] == {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 5}
    assert second["selection"]["countUnit"] == "days" and second["action"] == {"type": "transition", "targetStorageClass": "archive"}
    assert third["selection"]["storageClass"] == "archive" and third["selection"]["countType"] == "sinceImageTransitioned"


@pytest.mark.parametrize(
    "rules,fragments",
    [
        ([rule(tag_status="tagged")], ["priority 1", "tag_prefixes or tag_patterns"]),
        ([rule(tag_status="tagged", tag_prefixes=["a"], tag_patterns=["a*"])], ["cannot be used together"]),
        ([rule(tag_status="tagged", tag_prefixes=[])], ["tag_prefixes must be a non-empty list"]),
        ([rule(tag_status="tagged", tag_prefixes=["a", "a"])], ["same value twice"]),
        ([rule(tag_status="tagged", tag_patterns=["*a*b*c*d*"])], ["5 wildcards", "at most 4"]),
        ([rule(tag_status="any", tag_prefixes=["a"])], ["only accepted with tag_status tagged"]),
        ([rule(priority=1), rule(priority=2)], ["priority 1, 2", "only one rule may select untagged"]),
        ([rule(priority=5, tag_status="any"), rule(priority=7)], ["highest priority", "any is on 5, the highest of the standard rules is 7"]),
        ([rule(priority=5, tag_status="any"), rule(priority=7, tag_status="any")], ["highest priority"]),
        ([rule(priority=2), rule(priority=2, tag_status="any")], ["priority 2 is used by more than one rule"]),
        ([rule(priority=-1)], ["priority must be a whole number of 1 or more"]),
        ([rule(count_type="weekly")], ["count_type 'weekly' is not accepted", "since_image_transitioned"]),
        ([rule(count_number=0)], ["count_number must be a whole number of 1 or more"]),
        ([rule(count_type="image_count_more_than", count_unit="days")], ["count_unit is not accepted with count_type image_count_more_than"]),
        ([rule(count_unit="weeks")], ["count_type since_image_pushed needs count_unit days"]),
        ([rule(storage_class="archive")], ["storage_class archive is only accepted with count_type since_image_transitioned"]),
        ([rule(count_type="since_image_transitioned", storage_class="standard")], ["needs storage_class archive"]),
        ([rule(storage_class="glacier")], ["storage_class 'glacier' is not accepted"]),
        ([rule(action="transition")], ["target_storage_class archive"]),
        ([rule(action="expire", target_storage_class="archive")], ["only accepted with action transition"]),
        ([rule(action="transition", target_storage_class="archive", count_type="since_image_transitioned")], ["priority 1"]),
        ([rule(action="remove")], ["action 'remove' is not accepted; use one of expire, transition"]),
        ([rule(tag_status="some")], ["tag_status 'some' is not accepted; use one of tagged, untagged, any"]),
        ([], ["at least one rule"]),
        ([rule(keep=5)], ["priority 1", "unknown key(s) keep", "accepted: priority, description"]),
    ],
)
def test_rule_errors_name_priority_and_field(rules, fragments):
    with pytest.raises(PolicyError) as info:
        compile_rules(rules)
    message = str(info.value)
    assert message.startswith("rules:")
    for fragment in fragments:
        assert fragment in message, message


def test_json_policy_errors_use_aws_names():
    bad = {
        "rules": [{"rulePriority": 4, "selection": {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]
    }
    with pytest.raises(PolicyError, match="^policy: the rule with rulePriority 4: tagStatus tagged needs tagPrefixList or tagPatternList"):
        validate_policy(bad)
    with pytest.raises(PolicyError, match="unknown top-level key"):
        validate_policy({"rules": [], "version": 1})
    with pytest.raises(PolicyError, match="rule number 1"):
        validate_policy({"rules": [{"selection": {}}]})
    with pytest.raises(PolicyError, match="countType 'daily' is not accepted; use one of imageCountMoreThan"):
        validate_policy(
            {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "daily", "countNumber": 1}, "action": {"type": "expire"}}]}
        )


def test_parse_policy():
    assert parse_policy('{"rules": []}') == {"rules": []}
    for bad in ("{", "[]", 5):
        with pytest.raises(PolicyError, match="^policy: "):
            parse_policy(bad)


def test_text_bounds():
    policy = compile_rules([rule(tag_status="any", count_type="image_count_more_than", count_number=1)])
    text = policy_text(policy)
    assert len(text) >= POLICY_TEXT_MIN
    assert json.loads(text) == normalise_policy(policy)
    big = {
        "rules": [
            {
                "rulePriority": i,
                "description": "d" * 300,
                "selection": {"tagStatus": "tagged", "tagPrefixList": ["p%d" % i], "countType": "imageCountMoreThan", "countNumber": 1},
                "action": {"type": "expire"},
            }
            for i in range(1, 120)
        ]
    }
    with pytest.raises(PolicyError, match="at most 30720"):
        validate_policy(big)


def _spellings(policy, rng):
    """The same policy with rules and lists shuffled, numbers as strings, defaults spelled out."""
    doc = json.loads(json.dumps(policy))
    rng.shuffle(doc["rules"])
    for r in doc["rules"]:
        sel = r["selection"]
        for key in ("tagPrefixList", "tagPatternList"):
            if key in sel:
                rng.shuffle(sel[key])
        if rng.random() < 0.5:
            sel["countNumber"] = str(sel["countNumber"])
        if rng.random() < 0.5:
            r["rulePriority"] = str(r["rulePriority"])
        if "storageClass" not in sel and rng.random() < 0.5:
            sel["storageClass"] = "standard"
        r["selection"] = dict(reversed(list(sel.items())))
    return doc


def test_compare_is_semantic():
    policy = compile_rules(
        [
            rule(priority=3, tag_status="tagged", tag_prefixes=["a", "b", "c"], count_type="image_count_more_than", count_number=3),
            rule(priority=1, tag_status="tagged", tag_patterns=["x*", "*y"], count_type="since_image_pushed", count_number=9),
            rule(priority=2),
            rule(priority=9, tag_status="any", count_type="image_count_more_than", count_number=100),
        ]
    )
    rng = random.Random(7)
    for _round in range(50):
        other = _spellings(policy, rng)
        validate_policy(other)
        assert policies_equal(policy, other)
        assert normalise_policy(other) == normalise_policy(policy)
        assert policy_text(other) == policy_text(policy)


def test_compare_sees_real_changes():
    base = compile_rules([SEED])
    for change in (dict(SEED, count_number=14), dict(SEED, description="other"), dict(SEED, count_type="since_image_pulled"), dict(SEED, priority=2)):
        assert not policies_equal(base, compile_rules([change]))
    assert not policies_equal(base, None)
    assert normalise_policy(None) is None
    # description absent and empty are the same
    assert policies_equal(compile_rules([SEED]), compile_rules([dict(SEED, description="Expire untagged images older than 30 days")]))
    assert policies_equal(compile_rules([dict(SEED, description=None)]), json.loads(json.dumps(compile_rules([dict(SEED, description="")]))))


ARCHIVE_RULES = [dict(r) for r in TERRAFORM_ARCHIVE_RULES]


def test_one_any_rule_a_storage_class_is_accepted():
    validate_policy(TERRAFORM_ARCHIVE_POLICY)
    assert policies_equal(compile_rules(ARCHIVE_RULES), TERRAFORM_ARCHIVE_POLICY)
    # the archive rule may come first too: each any rule is last of its own storage class
    validate_policy({"rules": [dict(r, rulePriority=3 - r["rulePriority"]) for r in TERRAFORM_ARCHIVE_POLICY["rules"]]})
    # with other rules of each class before its any rule
    compile_rules(
        [
            rule(priority=1, tag_status="tagged", tag_prefixes=["release-"], count_type="image_count_more_than", count_number=50),
            rule(priority=2, tag_status="tagged", tag_prefixes=["v"], count_type="since_image_transitioned", count_number=400),
            *[dict(r, priority=r["priority"] + 2) for r in ARCHIVE_RULES],
        ]
    )


@pytest.mark.parametrize(
    "rules,fragments",
    [
        # two any rules of one class: refused, whatever the other class holds
        (
            [*ARCHIVE_RULES, rule(priority=3, tag_status="any", count_type="since_image_transitioned", count_number=500)],
            ["storage_class (archive)", "any is on 2, 3", "the highest of the archive rules is 3"],
        ),
        # a standard rule after the standard any rule
        (
            [*ARCHIVE_RULES, rule(priority=3, tag_status="tagged", tag_prefixes=["v"], count_type="image_count_more_than", count_number=5)],
            ["storage_class (standard)", "any is on 1, the highest of the standard rules is 3"],
        ),
        # an archive rule after the archive any rule
        (
            [*ARCHIVE_RULES, rule(priority=3, tag_status="tagged", tag_prefixes=["v"], count_type="since_image_transitioned", count_number=400)],
            ["storage_class (archive)", "any is on 2, the highest of the archive rules is 3"],
        ),
    ],
)
def test_any_rule_not_last_of_its_storage_class_is_refused(rules, fragments):
    with pytest.raises(PolicyError) as info:
        compile_rules(rules)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    # in the AWS JSON the message uses AWS's field names
    third = compile_rules([rules[2]])["rules"][0]
    with pytest.raises(PolicyError, match="tagStatus any must have the highest rulePriority among the rules of its storageClass"):
        validate_policy({"rules": TERRAFORM_ARCHIVE_POLICY["rules"] + [third]})


# typed rules read back from AWS's policy ---------------------------------------------------------


def test_typed_rule_words_in_any_case():
    loud = compile_rules([{"priority": 1, "tag_status": "ANY", "count_type": "ImageCountMoreThan", "count_number": 5, "action": "Expire"}])
    quiet = compile_rules([{"priority": 1, "tag_status": "any", "count_type": "image_count_more_than", "count_number": 5}])
    assert loud == quiet


EXPIRE = {"type": "expire"}
ONE = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}
UNTAGGED_14 = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}

POLICIES = [
    {"rules": [{"rulePriority": 1, "selection": UNTAGGED_14, "action": EXPIRE}]},
    {
        "rules": [
            {
                "rulePriority": 3,
                "description": "releases",
                "selection": {"tagStatus": "tagged", "tagPatternList": ["v*", "rel-*"], "countType": "imageCountMoreThan", "countNumber": 50},
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 7,
                "selection": {"tagStatus": "tagged", "tagPatternList": ["*"], "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90},
                "action": {"type": "transition", "targetStorageClass": "archive"},
            },
            {
                "rulePriority": 9,
                "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365},
                "action": {"type": "expire"},
            },
        ]
    },
]


@pytest.mark.parametrize("policy", POLICIES)
def test_typed_rules_compile_back_to_the_policy(policy):
    rules = typed_rules(policy)
    assert rules is not None
    assert policies_equal(compile_rules(rules), policy)
    # what compile_rules implies is left out
    assert all("count_unit" not in rule for rule in rules if rule["count_type"] != "image_count_more_than")


@pytest.mark.parametrize(
    "policy",
    [
        None,
        {"rules": []},
        {"rules": [{"rulePriority": 1, "selection": dict(ONE, newField=1), "action": EXPIRE}]},
        {"rules": [{"rulePriority": 1, "selection": ONE, "action": EXPIRE}], "extra": 1},
        {"rules": [{"rulePriority": 1, "selection": ONE, "action": dict(EXPIRE, newField=1)}]},
    ],
)
def test_what_typed_rules_cannot_say_is_none(policy):
    assert typed_rules(policy) is None
