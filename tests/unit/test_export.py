"""Adoption: enum values in any case, typed rules read back from AWS's policy, a repository as an item."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import compile_rules, policies_equal, typed_rules
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case, canonical_params, canonical_value
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import settings_view

MUTABILITY = any_case(["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"])


@pytest.mark.parametrize("value", ["immutable", "IMMUTABLE", "Immutable", "iMmUtAbLe"])
def test_any_case_matches_and_canonicalises(value):
    assert value in MUTABILITY
    assert canonical_value(value, MUTABILITY) == "IMMUTABLE"


@pytest.mark.parametrize("value", ["frozen", "IMMUTABLE ", "", None, 1, ["IMMUTABLE"]])
def test_any_case_refuses_what_is_none_of_them(value):
    assert value not in MUTABILITY
    assert canonical_value(value, MUTABILITY) == value


def test_choices_still_list_aws_spelling():
    # what ansible-doc, the documentation checks and ansible-core's "must be one of" message see: a plain list
    # of AWS's values, in their order, that sorts and compares as the same values in a list would
    assert list(MUTABILITY) == ["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"]
    assert MUTABILITY == ["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"] and isinstance(MUTABILITY, list)
    assert sorted(MUTABILITY) == ["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE"]
    assert ", ".join(MUTABILITY) == "MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION"
    # only membership ignores case; the values themselves are not folded
    assert "mutable" in MUTABILITY and "mutable" not in list(MUTABILITY)


def test_canonical_params_walks_suboptions_and_lists():
    spec = {
        "m": {"type": "str", "choices": MUTABILITY},
        "plain": {"type": "str", "choices": ["present", "absent"]},
        "kinds": {"type": "list", "elements": "str", "choices": any_case(["BASIC", "ENHANCED"])},
        "items": {"type": "list", "elements": "dict", "options": {"e": {"type": "str", "choices": any_case(["AES256", "KMS"])}}},
        "one": {"type": "dict", "options": {"e": {"type": "str", "choices": any_case(["AES256", "KMS"])}}},
    }
    params = {"m": "mutable", "plain": "present", "kinds": ["basic", "Enhanced"], "items": [{"e": "kms"}, {"e": None}], "one": {"e": "aes256"}}
    canonical_params(params, spec)
    assert params == {"m": "MUTABLE", "plain": "present", "kinds": ["BASIC", "ENHANCED"], "items": [{"e": "KMS"}, {"e": None}], "one": {"e": "AES256"}}


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


def view(**fields):
    base = {
        "name": "team/app",
        "image_tag_mutability": "MUTABLE",
        "image_tag_mutability_exclusion_filters": [],
        "scan_on_push": False,
        "encryption_type": "AES256",
        "kms_key": None,
        "tags": {},
        "policy": None,
        "lifecycle_policy": None,
    }
    base.update(fields)
    return base


def test_settings_view_writes_the_state_out_whole():
    item = settings_view(view(), None)
    assert item == {
        "name": "team/app",
        "image_tag_mutability": "MUTABLE",
        "scan_on_push": False,
        "encryption_type": "AES256",
        "tags": {},
        "purge_tags": True,
        "purge_policy": True,
        "lifecycle_rules": [],
    }


def test_settings_view_keeps_aws_tags_out_and_falls_back_to_json():
    policy = {"rules": [{"rulePriority": 1, "selection": dict(ONE, x=1), "action": EXPIRE}]}
    item = settings_view(
        view(
            tags={"b": "2", "aws:cloudformation:stack-name": "s", "a": "1"},
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=["z*", "latest"],
            lifecycle_policy=policy,
        ),
        typed_rules(policy),
    )
    assert list(item["tags"]) == ["a", "b"]
    assert item["image_tag_mutability_exclusion_filters"] == ["latest", "z*"]
    assert item["lifecycle_policy"] == policy and "lifecycle_rules" not in item
