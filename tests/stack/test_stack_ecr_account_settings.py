"""The local stack's PutAccountSetting and GetAccountSetting (scripts/stack_ecr/account_settings.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from helpers import client
from stack_ecr.model import check_output


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_default_then_put_then_get(moto):
    ecr = client("ecr")
    got = ecr.get_account_setting(name="REGISTRY_POLICY_SCOPE")
    assert body(got) == {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"}
    assert check_output("GetAccountSetting", body(got)) == []
    put = ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")
    assert check_output("PutAccountSetting", body(put)) == []
    assert ecr.get_account_setting(name="REGISTRY_POLICY_SCOPE")["value"] == "V1"
    ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V2")


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("NO_SUCH_SETTING", "V1", "Invalid account setting name"),
        ("BASIC_SCAN_TYPE_VERSION", "V2", "Invalid value 'V2'"),
        ("X" * 65, "V1", "length less than or equal to 64"),
    ],
)
def test_refusals(moto, name, value, fragment):
    with pytest.raises(ClientError) as error:
        client("ecr").put_account_setting(name=name, value=value)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert fragment in error.value.response["Error"]["Message"]


def test_the_module_accepts_what_the_stack_serves():
    from stack_ecr.account_settings import DEFAULTS, SETTINGS

    from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import ACCOUNT_SETTINGS

    assert ACCOUNT_SETTINGS == SETTINGS
    assert all(DEFAULTS[name] in values for name, values in SETTINGS.items())
