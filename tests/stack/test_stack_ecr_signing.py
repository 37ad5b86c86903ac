"""The local stack's signing configuration (scripts/stack_ecr/signing.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from helpers import client
from stack_ecr.model import check_output

PROFILE = "arn:aws:signer:ap-south-1:123456789012:/signing-profiles/stack_test"


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def code(error):
    return error.value.response["Error"]["Code"]


def test_put_get_delete(moto):
    ecr = client("ecr")
    rules = [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "myapp/*", "filterType": "WILDCARD_MATCH"}]}, {"signingProfileArn": PROFILE}]
    try:
        put = body(ecr.put_signing_configuration(signingConfiguration={"rules": rules}))
        assert check_output("PutSigningConfiguration", put) == [] and put == {"signingConfiguration": {"rules": rules}}
        got = body(ecr.get_signing_configuration())
        assert check_output("GetSigningConfiguration", got) == []
        assert got == {"registryId": "123456789012", "signingConfiguration": {"rules": rules}}
        deleted = body(ecr.delete_signing_configuration())
        assert check_output("DeleteSigningConfiguration", deleted) == [] and deleted == got
        for call in (ecr.get_signing_configuration, ecr.delete_signing_configuration):
            with pytest.raises(ClientError) as error:
                call()
            assert code(error) == "SigningConfigurationNotFoundException"
    finally:
        try:
            ecr.delete_signing_configuration()
        except ecr.exceptions.SigningConfigurationNotFoundException:
            pass


@pytest.mark.parametrize(
    "rules",
    [
        [{"signingProfileArn": "arn:aws:signer:ap-south-1:123456789012:signing-profiles/x1"}],
        [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "My/*", "filterType": "WILDCARD_MATCH"}]}],
        [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "a", "filterType": "WILDCARD"}]}],
        [{"signingProfileArn": PROFILE}] * 11,
    ],
)
def test_refusals(moto, rules):
    ecr = client("ecr")
    with pytest.raises(ClientError) as error:
        ecr.put_signing_configuration(signingConfiguration={"rules": rules})
    assert code(error) == "ValidationException"
    with pytest.raises(ecr.exceptions.SigningConfigurationNotFoundException):
        ecr.get_signing_configuration()
