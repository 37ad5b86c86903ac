"""PutAccountSetting and GetAccountSetting."""

from __future__ import annotations

from .model import ValidationException, operation, state

# the settings AWS knows and the values each takes (ECR API Reference, PutAccountSetting); the module
# ecr_account_setting accepts the same (registry_settings.ACCOUNT_SETTINGS, kept equal by tests/stack)
SETTINGS = {
    "BASIC_SCAN_TYPE_VERSION": ("AWS_NATIVE", "CLAIR"),
    "REGISTRY_POLICY_SCOPE": ("V1", "V2"),
    "BLOB_MOUNTING": ("ENABLED", "DISABLED"),
}
DEFAULTS = {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "REGISTRY_POLICY_SCOPE": "V2", "BLOB_MOUNTING": "DISABLED"}


def _known(name: str) -> None:
    if name not in SETTINGS:
        raise ValidationException("Invalid account setting name '%s'; valid names: %s" % (name, ", ".join(sorted(SETTINGS))))


@operation("GetAccountSetting")
def get_account_setting(backend, params, account, region):
    name = params["name"]
    _known(name)
    return {"name": name, "value": state(backend, "account_settings").get(name, DEFAULTS[name])}


@operation("PutAccountSetting")
def put_account_setting(backend, params, account, region):
    name, value = params["name"], params["value"]
    _known(name)
    if value not in SETTINGS[name]:
        raise ValidationException("Invalid value '%s' for account setting %s; valid values: %s" % (value, name, ", ".join(SETTINGS[name])))
    state(backend, "account_settings")[name] = value
    return {"name": name, "value": value}
