"""The local stack's PutReplicationConfiguration (scripts/stack_ecr/replication.py): several rules, AWS's limits."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from helpers import REGION, client
from stack_ecr.model import check_output

ACCOUNT = "123456789012"


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def rule(region, registry=ACCOUNT, prefix=None):
    found = {"destinations": [{"region": region, "registryId": registry}]}
    if prefix:
        found["repositoryFilters"] = [{"filter": prefix, "filterType": "PREFIX_MATCH"}]
    return found


@pytest.fixture
def restore(moto):
    ecr = client("ecr")
    saved = ecr.describe_registry()["replicationConfiguration"]
    yield ecr
    ecr.put_replication_configuration(replicationConfiguration=saved)


def test_several_rules_kept_and_described(restore):
    ecr = restore
    rules = [rule("eu-west-1", prefix="team-a"), dict(rule("us-east-1", "210987654321"), deleteReplication={"enabled": True})]
    put = body(ecr.put_replication_configuration(replicationConfiguration={"rules": rules}))
    assert check_output("PutReplicationConfiguration", put) == []
    assert put["replicationConfiguration"]["rules"] == rules
    described = body(ecr.describe_registry())
    assert check_output("DescribeRegistry", described) == []
    assert described == {"registryId": ACCOUNT, "replicationConfiguration": {"rules": rules}}
    ecr.put_replication_configuration(replicationConfiguration={"rules": []})
    assert ecr.describe_registry()["replicationConfiguration"] == {"rules": []}


@pytest.mark.parametrize(
    "rules, code, fragment",
    [
        ([rule("eu-west-%d" % i) for i in range(11)], "ValidationException", "less than or equal to 10"),
        (
            [{"destinations": [{"region": "r%02d" % (i * 3 + j), "registryId": ACCOUNT} for j in range(3)]} for i in range(9)],
            "InvalidParameterException",
            "27 unique destinations",
        ),
        ([rule("eu-west-1"), rule(REGION)], "InvalidParameterException", "same as the source registry"),
        ([{"destinations": []}], "InvalidParameterException", "at least one destination"),
        ([rule("eu-west-1", prefix="Team")], "ValidationException", "failed to satisfy constraint"),
    ],
)
def test_refusals_leave_the_configuration(restore, rules, code, fragment):
    ecr = restore
    ecr.put_replication_configuration(replicationConfiguration={"rules": [rule("eu-central-1")]})
    with pytest.raises(ClientError) as error:
        ecr.put_replication_configuration(replicationConfiguration={"rules": rules})
    assert error.value.response["Error"]["Code"] == code
    assert fragment in error.value.response["Error"]["Message"]
    assert ecr.describe_registry()["replicationConfiguration"]["rules"] == [rule("eu-central-1")]
