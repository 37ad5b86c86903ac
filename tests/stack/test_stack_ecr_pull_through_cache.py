"""The local stack's pull through cache rule operations (scripts/stack_ecr/pull_through_cache.py)."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from helpers import client
from stack_ecr.model import check_output

ACCOUNT = "123456789012"


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def prefix():
    return "ptc-%s" % uuid.uuid4().hex[:8]


def secret(value=None):
    name = "ecr-pullthroughcache/%s" % uuid.uuid4().hex[:8]
    value = value if value is not None else {"username": "user", "accessToken": "token"}
    return client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(value))["ARN"]


def code_of(call, **kwargs):
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_create_describe_update_validate_delete(moto):
    ecr = client("ecr")
    name, first, second = prefix(), secret(), secret({"username": "user"})
    created = ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=name, upstreamRegistryUrl="registry-1.docker.io", credentialArn=first)
    assert check_output("CreatePullThroughCacheRule", body(created)) == []
    assert created["upstreamRegistry"] == "docker-hub" and created["registryId"] == ACCOUNT
    described = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=[name])
    assert check_output("DescribePullThroughCacheRules", body(described)) == []
    assert [r["credentialArn"] for r in described["pullThroughCacheRules"]] == [first]
    valid = ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix=name)
    assert check_output("ValidatePullThroughCacheRule", body(valid)) == []
    assert valid["isValid"] is True and "failure" not in valid
    updated = ecr.update_pull_through_cache_rule(ecrRepositoryPrefix=name, credentialArn=second)
    assert check_output("UpdatePullThroughCacheRule", body(updated)) == []
    assert updated["credentialArn"] == second
    invalid = ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix=name)
    assert invalid["isValid"] is False and "accessToken" in invalid["failure"]
    deleted = ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix=name)
    assert check_output("DeletePullThroughCacheRule", body(deleted)) == []
    assert code_of(ecr.describe_pull_through_cache_rules, ecrRepositoryPrefixes=[name])[0] == "PullThroughCacheRuleNotFoundException"


def test_ecr_upstream_and_pages(moto):
    ecr = client("ecr")
    names = sorted(prefix() for _index in range(3))
    for name in names:
        ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix=name,
            upstreamRegistryUrl="210987654321.dkr.ecr.eu-west-1.amazonaws.com",
            customRoleArn="arn:aws:iam::%s:role/ecr-pull" % ACCOUNT,
            upstreamRepositoryPrefix="team",
        )
    first = ecr.describe_pull_through_cache_rules(maxResults=2)
    assert check_output("DescribePullThroughCacheRules", body(first)) == []
    rest = ecr.describe_pull_through_cache_rules(maxResults=2, nextToken=first["nextToken"])
    seen = [r["ecrRepositoryPrefix"] for r in first["pullThroughCacheRules"] + rest["pullThroughCacheRules"]]
    assert set(names) <= set(seen)
    rule = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=[names[0]])["pullThroughCacheRules"][0]
    assert rule["upstreamRegistry"] == "ecr" and rule["upstreamRepositoryPrefix"] == "team"
    assert ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix=names[0])["isValid"] is True
    for name in names:
        ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix=name)


@pytest.mark.parametrize(
    "kwargs, code, fragment",
    [
        ({"upstreamRegistryUrl": "registry.example.com"}, "UnsupportedUpstreamRegistryException", "not supported"),
        ({"upstreamRegistryUrl": "ghcr.io", "upstreamRegistry": "quay"}, "InvalidParameterException", "not a quay registry URL"),
        ({"upstreamRegistryUrl": "ghcr.io"}, "InvalidParameterException", "requires authentication"),
        (
            {"upstreamRegistryUrl": "ghcr.io", "credentialArn": "arn:aws:secretsmanager:ap-south-1:%s:secret:ecr-pullthroughcache/none" % ACCOUNT},
            "SecretNotFoundException",
            "was not found",
        ),
        ({"upstreamRegistryUrl": "quay.io", "customRoleArn": "arn:aws:iam::%s:role/r" % ACCOUNT}, "InvalidParameterException", "only supported"),
        ({"upstreamRegistryUrl": "210987654321.dkr.ecr.eu-west-1.amazonaws.com"}, "InvalidParameterException", "customRoleArn is required"),
        (
            {"upstreamRegistryUrl": "210987654321.dkr.ecr.eu-west-1.amazonaws.com", "customRoleArn": "arn:aws:iam::210987654321:role/r"},
            "InvalidParameterException",
            "registry's account",
        ),
        ({"upstreamRegistryUrl": "public.ecr.aws", "upstreamRepositoryPrefix": "team"}, "InvalidParameterException", "only supported"),
        ({"upstreamRegistryUrl": "public.ecr.aws", "ecrRepositoryPrefix": "ROOT"}, "InvalidParameterException", "ROOT"),
        ({"upstreamRegistryUrl": "public.ecr.aws", "ecrRepositoryPrefix": "Upper"}, "ValidationException", "regular expression"),
        ({"upstreamRegistryUrl": "public.ecr.aws", "ecrRepositoryPrefix": "p" * 31}, "ValidationException", "length less than or equal to 30"),
        (
            {"upstreamRegistryUrl": "public.ecr.aws", "credentialArn": "arn:aws:secretsmanager:ap-south-1:%s:secret:other/name" % ACCOUNT},
            "ValidationException",
            "credentialArn",
        ),
    ],
)
def test_create_refusals(moto, kwargs, code, fragment):
    kwargs = dict({"ecrRepositoryPrefix": prefix()}, **kwargs)
    got, message = code_of(client("ecr").create_pull_through_cache_rule, **kwargs)
    assert (got, fragment in message) == (code, True), message


def test_duplicate_and_not_found(moto):
    ecr = client("ecr")
    name = prefix()
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=name, upstreamRegistryUrl="public.ecr.aws")
    assert (
        code_of(ecr.create_pull_through_cache_rule, ecrRepositoryPrefix=name, upstreamRegistryUrl="quay.io")[0] == "PullThroughCacheRuleAlreadyExistsException"
    )
    assert code_of(ecr.update_pull_through_cache_rule, ecrRepositoryPrefix=name)[0] == "InvalidParameterException"
    assert ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix=name)["isValid"] is True
    ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix=name)
    for call in (ecr.delete_pull_through_cache_rule, ecr.validate_pull_through_cache_rule):
        assert code_of(call, ecrRepositoryPrefix=name)[0] == "PullThroughCacheRuleNotFoundException"
    assert code_of(ecr.update_pull_through_cache_rule, ecrRepositoryPrefix=name, credentialArn=secret())[0] == "PullThroughCacheRuleNotFoundException"
