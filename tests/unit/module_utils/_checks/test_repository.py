"""Local input checks: names, registry ids, tags, exclusion filters, encryption."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import (
    check_encryption,
    check_exclusion_filters,
    check_registry_id,
    check_repository_name,
    check_tag_mutability,
    normalise_tags,
    parse_repository_policy,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError


@pytest.mark.parametrize("name", ["ab", "my-ecr-repo", "team/app-api", "a.b_c__d--e", "a/b/c", "x" * 256, "0a", "app---x"])
def test_valid_names(name):
    check_repository_name(name)


@pytest.mark.parametrize(
    "name",
    ["a", "x" * 257, "My-Repo", "-app", "app-", "app/", "/app", "a//b", "a..b", "a___b", "a_-b", "répo", "a b", "a:b", "", None, 5],
)
def test_invalid_names(name):
    with pytest.raises(InputError, match="^name: "):
        check_repository_name(name)


def test_name_message_names_the_option_given():
    with pytest.raises(InputError, match="^repository: 'UP'"):
        check_repository_name("UP", option="repository")


@pytest.mark.parametrize("value", ["123456789012", None])
def test_registry_ids(value):
    check_registry_id(value)


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "12345678901a", 123456789012])
def test_bad_registry_ids(value):
    with pytest.raises(InputError, match="12-digit"):
        check_registry_id(value)


def test_exclusion_filters():
    check_exclusion_filters(["latest", "dev-*", "v1.2_*"])
    check_exclusion_filters(None)
    for bad in ([], list("abcdef"), ["a/b"], ["x" * 129], ["a", "a"]):
        with pytest.raises(InputError, match="image_tag_mutability_exclusion_filters"):
            check_exclusion_filters(bad)


def test_filters_need_an_exclusion_mutability():
    check_tag_mutability("IMMUTABLE_WITH_EXCLUSION", ["latest"])
    check_tag_mutability("MUTABLE", None)
    with pytest.raises(InputError, match="only accepted with"):
        check_tag_mutability("IMMUTABLE", ["latest"])
    with pytest.raises(InputError, match="no image_tag_mutability"):
        check_tag_mutability(None, ["latest"])


def test_tags_are_normalised_to_strings():
    assert normalise_tags({"a": 1, "b": "x", "c": 1.5}) == {"a": "1", "b": "x", "c": "1.5"}
    assert normalise_tags(None) is None
    assert normalise_tags({}) == {}


@pytest.mark.parametrize(
    "tags,fragment",
    [
        ({"aws:x": "1"}, "reserves"),
        ({"AWS:x": "1"}, "reserves"),
        ({"k": True}, "bool"),
        ({"k": None}, "empty"),
        ({"k": ["a"]}, "list"),
        ({"k" * 129: "v"}, "1 to 128"),
        ({"k": "v" * 257}, "at most 256"),
        ({"": "v"}, "1 to 128"),
        ({"t%d" % i: "v" for i in range(51)}, "at most 50"),
    ],
)
def test_bad_tags(tags, fragment):
    with pytest.raises(InputError, match="^tags: ") as info:
        normalise_tags(tags)
    assert fragment in str(info.value)


def test_encryption_options():
    check_encryption(None, None)
    check_encryption("AES256", None)
    check_encryption("KMS", "alias/x")
    check_encryption("KMS_DSSE", "arn:aws:kms:ap-south-1:123456789012:key/abc")
    # without a key, ECR uses the AWS managed key (alias/aws/ecr), as the API, Terraform and CloudFormation do
    check_encryption("KMS", None)
    check_encryption("KMS_DSSE", None)
    with pytest.raises(InputError, match="^kms_key: give a KMS key"):
        check_encryption("KMS", "  ")
    with pytest.raises(InputError, match="KMS or KMS_DSSE"):
        check_encryption("AES256", "alias/x")
    with pytest.raises(InputError, match="no encryption_type"):
        check_encryption(None, "alias/x")


def test_repository_policy_parsing():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}
    assert parse_repository_policy(doc) == doc
    assert parse_repository_policy('{"Statement": {"Effect": "Allow"}}') == {"Statement": {"Effect": "Allow"}}
    assert parse_repository_policy(None) is None
    for bad, fragment in (("{x", "not valid JSON"), ("[1]", "IAM policy document"), ({"Version": "1"}, "Statement"), ({"Statement": []}, "Statement")):
        with pytest.raises(InputError, match=fragment):
            parse_repository_policy(bad)
