"""The local stack's repository creation template operations (scripts/stack_ecr/creation_templates.py)."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from helpers import client
from stack_ecr.model import check_output

LIFECYCLE = {
    "rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}}]
}


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def prefix():
    return "rct-%s" % uuid.uuid4().hex[:8]


def code_of(call, **kwargs):
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_create_describe_update_delete(moto):
    ecr = client("ecr")
    name = prefix()
    created = ecr.create_repository_creation_template(
        prefix=name,
        appliedFor=["PULL_THROUGH_CACHE"],
        description="cache",
        resourceTags=[{"Key": "team", "Value": "platform"}],
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
        lifecyclePolicy=json.dumps(LIFECYCLE),
        customRoleArn="arn:aws:iam::123456789012:role/rct",
    )
    assert check_output("CreateRepositoryCreationTemplate", body(created)) == []
    template = created["repositoryCreationTemplate"]
    assert template["encryptionConfiguration"] == {"encryptionType": "AES256"} and template["description"] == "cache"
    described = ecr.describe_repository_creation_templates(prefixes=[name, "no-such-prefix"])
    assert check_output("DescribeRepositoryCreationTemplates", body(described)) == []
    assert [t["prefix"] for t in described["repositoryCreationTemplates"]] == [name]
    # Update takes the whole template: what it leaves out is reset (appliedFor is kept)
    updated = ecr.update_repository_creation_template(prefix=name, description="other")
    assert check_output("UpdateRepositoryCreationTemplate", body(updated)) == []
    template = updated["repositoryCreationTemplate"]
    assert template["imageTagMutability"] == "MUTABLE" and template["appliedFor"] == ["PULL_THROUGH_CACHE"]
    assert "resourceTags" not in template and "lifecyclePolicy" not in template and "customRoleArn" not in template
    deleted = ecr.delete_repository_creation_template(prefix=name)
    assert check_output("DeleteRepositoryCreationTemplate", body(deleted)) == []
    assert ecr.describe_repository_creation_templates(prefixes=[name])["repositoryCreationTemplates"] == []


def test_root_and_pages(moto):
    ecr = client("ecr")
    names = [prefix() for _index in range(3)] + ["ROOT"]
    for name in names:
        ecr.create_repository_creation_template(prefix=name, appliedFor=["CREATE_ON_PUSH"])
    first = ecr.describe_repository_creation_templates(maxResults=2)
    rest = ecr.describe_repository_creation_templates(maxResults=1000, nextToken=first["nextToken"])
    seen = [t["prefix"] for t in first["repositoryCreationTemplates"] + rest["repositoryCreationTemplates"]]
    assert set(names) <= set(seen)
    for name in names:
        ecr.delete_repository_creation_template(prefix=name)


@pytest.mark.parametrize(
    "kwargs, code, fragment",
    [
        ({"appliedFor": []}, "InvalidParameterException", "at least one"),
        ({"appliedFor": ["ON_PULL"]}, "ValidationException", "enum value set"),
        ({"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}, "InvalidParameterException", "requires imageTagMutabilityExclusionFilters"),
        ({"imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "x"}]}, "InvalidParameterException", "can only be used"),
        (
            {"encryptionConfiguration": {"encryptionType": "AES256", "kmsKey": "arn:aws:kms:ap-south-1:123456789012:key/abc"}},
            "InvalidParameterException",
            "kmsKey",
        ),
        ({"encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": "alias/mine"}}, "ValidationException", "regular expression"),
        ({"repositoryPolicy": "{not json"}, "InvalidParameterException", "Invalid JSON"),
        ({"lifecyclePolicy": "{}"}, "InvalidParameterException", "no rules"),
        ({"resourceTags": [{"Key": "aws:team", "Value": "x"}]}, "InvalidParameterException", "reserved"),
        ({"prefix": "Upper"}, "ValidationException", "regular expression"),
    ],
)
def test_create_refusals(moto, kwargs, code, fragment):
    kwargs = dict({"prefix": prefix(), "appliedFor": ["REPLICATION"]}, **kwargs)
    got, message = code_of(client("ecr").create_repository_creation_template, **kwargs)
    assert (got, fragment in message) == (code, True), message


def test_duplicate_and_not_found(moto):
    ecr = client("ecr")
    name = prefix()
    ecr.create_repository_creation_template(prefix=name, appliedFor=["REPLICATION"])
    assert code_of(ecr.create_repository_creation_template, prefix=name, appliedFor=["REPLICATION"])[0] == "TemplateAlreadyExistsException"
    ecr.delete_repository_creation_template(prefix=name)
    assert code_of(ecr.delete_repository_creation_template, prefix=name)[0] == "TemplateNotFoundException"
    assert code_of(ecr.update_repository_creation_template, prefix=name, description="x")[0] == "TemplateNotFoundException"
