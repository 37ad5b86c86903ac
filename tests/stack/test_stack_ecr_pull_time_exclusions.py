"""The local stack's pull-time update exclusions (scripts/stack_ecr/pull_time_exclusions.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from helpers import client
from stack_ecr.model import check_output


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def arn(name):
    return "arn:aws:iam::123456789012:role/stack-test/%s" % name


def listed(ecr):
    found, kwargs = [], {"maxResults": 7}
    while True:
        page = body(ecr.list_pull_time_update_exclusions(**kwargs))
        assert check_output("ListPullTimeUpdateExclusions", page) == []
        found += page["pullTimeUpdateExclusions"]
        if "nextToken" not in page:
            return found
        kwargs["nextToken"] = page["nextToken"]


def test_register_list_deregister(moto):
    ecr = client("ecr")
    names = [arn("r%02d" % i) for i in range(16)]
    for name in names:
        got = body(ecr.register_pull_time_update_exclusion(principalArn=name))
        assert check_output("RegisterPullTimeUpdateExclusion", got) == []
        assert got["principalArn"] == name and "createdAt" in got
    assert [a for a in listed(ecr) if a.startswith(arn(""))] == names
    with pytest.raises(ClientError) as error:
        ecr.register_pull_time_update_exclusion(principalArn=names[0])
    assert error.value.response["Error"]["Code"] == "ExclusionAlreadyExistsException"
    for name in names:
        got = body(ecr.deregister_pull_time_update_exclusion(principalArn=name))
        assert check_output("DeregisterPullTimeUpdateExclusion", got) == [] and got == {"principalArn": name}
    with pytest.raises(ClientError) as error:
        ecr.deregister_pull_time_update_exclusion(principalArn=names[0])
    assert error.value.response["Error"]["Code"] == "ExclusionNotFoundException"
    assert not [a for a in listed(ecr) if a.startswith(arn(""))]


@pytest.mark.parametrize(
    "principal", ["arn:aws:iam::123456789012:group/x", "arn:aws:sts::123456789012:assumed-role/r/s", "arn:aws:iam::123456789012:role/" + "x" * 200]
)
def test_refusals(moto, principal):
    with pytest.raises(ClientError) as error:
        client("ecr").register_pull_time_update_exclusion(principalArn=principal)
    assert error.value.response["Error"]["Code"] == "ValidationException"
