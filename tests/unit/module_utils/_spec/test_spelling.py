"""Enum values in any case (_spec/spelling.py): membership, canonical spelling, the options walked."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case, canonical_params, canonical_value

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
