# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring one registry-level setting of the caller's registry to the requested state.

Each ``converge_*`` reads the live setting, plans with ``registry_settings``, writes only what differs
(nothing in check mode) and returns changed, before and after (the modules' views). Input is checked
(``registry_settings``) before the first call; what can only be checked against the live setting is
checked after the read and before any write, and raised as InputError.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import (
    account_setting_value,
    canonical_scanning,
    canonical_signing,
    check_principal_arn,
    check_replication_limits,
    check_scan_type,
    merge_replication,
    parse_registry_policy,
    plan_scanning,
    policies_differ,
    policy_text,
    replication_rules_want,
    rules_equal,
    scanning_rules_want,
    signing_rules_want,
)
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import registry_policy_view, replication_rules_view, scanning_view, signing_rules_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError


def converge_registry_policy(api: RegistryApi, want: dict[str, Any] | None, check_mode: bool) -> dict[str, Any]:
    """Put the registry policy ``want`` (a checked IAM policy document), or delete it (``want`` None)."""
    found = api.registry_policy()
    before = registry_policy_view(found)
    registry_id = found.get("registryId") if found else None
    if not policies_differ(before, want):
        return {"changed": False, "before": before, "after": before, "registry_id": registry_id or api.describe_registry().get("registryId")}
    if not check_mode:
        if want is None:
            api.delete_registry_policy()
        else:
            registry_id = api.put_registry_policy(policy_text(want)).get("registryId") or registry_id
    return {"changed": True, "before": before, "after": want, "registry_id": registry_id or api.describe_registry().get("registryId")}


def converge_replication(api: RegistryApi, rules: list[dict[str, Any]], state: str, purge: bool, check_mode: bool) -> dict[str, Any]:
    """Merge the task's replication ``rules`` (the module's option, checked by replication_rules_want already)
    into the registry's replication configuration, at rule level (registry_settings.merge_replication)."""
    registry = api.describe_registry()
    registry_id = registry.get("registryId")
    live = list(registry["replicationConfiguration"].get("rules") or [])
    wanted = replication_rules_want(rules, own_registry_id=registry_id)
    merged = merge_replication(live, wanted, state, purge)
    before = replication_rules_view(live)
    if rules_equal(merged, live):
        return {"changed": False, "before": before, "after": before, "registry_id": registry_id}
    if state == "present":
        check_replication_limits(merged, wanted, api.region, str(registry_id))
    after = merged
    if not check_mode:
        written = api.put_replication_configuration(merged).get("replicationConfiguration") or {}
        after = written.get("rules", merged)
    return {"changed": True, "before": before, "after": replication_rules_view(after), "registry_id": registry_id}


def converge_scanning(api: RegistryApi, scan_type: str | None, rules: list[dict[str, Any]] | None, check_mode: bool) -> dict[str, Any]:
    """Put the registry scanning configuration; an omitted ``scan_type`` or ``rules`` (None) keeps the live one."""
    found = api.registry_scanning_configuration()
    live = found.get("scanningConfiguration") or {}
    before = scanning_view(canonical_scanning(live))
    planned = plan_scanning(live, scan_type, rules)
    if planned is None:
        return {"changed": False, "before": before, "after": before, "registry_id": found.get("registryId")}
    if not check_mode:
        api.put_registry_scanning_configuration(planned["scanType"], planned["rules"])
    return {"changed": True, "before": before, "after": scanning_view(planned), "registry_id": found.get("registryId")}


def converge_account_setting(api: RegistryApi, name: str, value: str, check_mode: bool) -> dict[str, Any]:
    """Put an account setting when its value differs."""
    before = api.account_setting(name)
    current = {"name": before.get("name", name), "value": before.get("value")}
    if current["value"] == value:
        return {"changed": False, "before": current, "after": current}
    after = {"name": name, "value": value}
    if not check_mode:
        put = api.put_account_setting(name, value)
        after = {"name": put.get("name", name), "value": put.get("value", value)}
    return {"changed": True, "before": current, "after": after}


def converge_pull_time_exclusion(api: RegistryApi, principal_arn: str, state: str, check_mode: bool) -> dict[str, Any]:
    """Register (state present) or deregister (absent) a principal's pull-time update exclusion."""
    excluded = principal_arn in api.pull_time_update_exclusions()
    want = state == "present"
    if excluded == want:
        return {"changed": False, "before": excluded, "after": excluded}
    changed = True
    if not check_mode:
        if want:
            changed = api.register_pull_time_update_exclusion(principal_arn)
        else:
            changed = api.deregister_pull_time_update_exclusion(principal_arn)
    return {"changed": changed, "before": excluded, "after": want}


def converge_signing(api: RegistryApi, rules: list[dict[str, Any]] | None, check_mode: bool) -> dict[str, Any]:
    """Put the signing configuration with exactly ``rules`` (AWS SigningRule shapes), or delete it (None)."""
    found = api.signing_configuration()
    live = (found.get("signingConfiguration") or {}).get("rules") or [] if found else None
    registry_id = found.get("registryId") if found else None
    before = signing_rules_view(canonical_signing(live))
    after = signing_rules_view(canonical_signing(rules))
    if before == after:
        return {"changed": False, "before": before, "after": before, "registry_id": registry_id or api.describe_registry().get("registryId")}
    if not check_mode:
        if rules is None:
            api.delete_signing_configuration()
        else:
            api.put_signing_configuration(rules)
    return {"changed": True, "before": before, "after": after, "registry_id": registry_id or api.describe_registry().get("registryId")}


# the modules' results (each ``diff`` for diff mode) ---------------------------------------------------


def registry_policy_report(module: Any) -> dict[str, Any]:
    """ecr_registry_policy's result."""
    want = parse_registry_policy(module.params["policy"]) if module.params["state"] == "present" else None
    result = converge_registry_policy(RegistryApi(module), want, module.check_mode)
    diff = {"before": result["before"] or {}, "after": result["after"] or {}}
    return {"changed": result["changed"], "policy": result["after"], "registry_id": result["registry_id"], "diff": diff}


def replication_report(module: Any) -> dict[str, Any]:
    """ecr_replication's result."""
    params = module.params
    if params["purge_rules"] and params["state"] == "absent":
        raise InputError("purge_rules: only accepted with state present (state absent removes the rules it names, and no others)")
    replication_rules_want(params["rules"])
    result = converge_replication(RegistryApi(module), params["rules"], params["state"], params["purge_rules"], module.check_mode)
    diff = {"before": {"rules": result["before"]}, "after": {"rules": result["after"]}}
    return {"changed": result["changed"], "rules": result["after"], "registry_id": result["registry_id"], "diff": diff}


def scanning_report(module: Any) -> dict[str, Any]:
    """ecr_registry_scanning's result."""
    params = module.params
    check_scan_type(params["scan_type"])
    rules = scanning_rules_want(params["rules"]) if params["rules"] is not None else None
    result = converge_scanning(RegistryApi(module), params["scan_type"], rules, module.check_mode)
    after = result["after"]
    diff = {"before": result["before"], "after": after}
    return {"changed": result["changed"], "scan_type": after["scan_type"], "rules": after["rules"], "registry_id": result["registry_id"], "diff": diff}


def account_setting_report(module: Any) -> dict[str, Any]:
    """ecr_account_setting's result."""
    name = module.params["name"]
    value = account_setting_value(name, module.params["value"])
    result = converge_account_setting(RegistryApi(module), name, value, module.check_mode)
    return dict(changed=result["changed"], diff={"before": result["before"], "after": result["after"]}, **result["after"])


def pull_time_exclusion_report(module: Any) -> dict[str, Any]:
    """ecr_pull_time_update_exclusion's result."""
    arn = module.params["principal_arn"]
    check_principal_arn(arn)
    result = converge_pull_time_exclusion(RegistryApi(module), arn, module.params["state"], module.check_mode)
    diff = {"before": {"principal_arn": arn, "excluded": result["before"]}, "after": {"principal_arn": arn, "excluded": result["after"]}}
    return {"changed": result["changed"], "principal_arn": arn, "excluded": result["after"], "diff": diff}


def signing_report(module: Any) -> dict[str, Any]:
    """ecr_signing_configuration's result."""
    rules = signing_rules_want(module.params["rules"]) if module.params["state"] == "present" else None
    result = converge_signing(RegistryApi(module), rules, module.check_mode)
    diff = {"before": {"rules": result["before"]}, "after": {"rules": result["after"]}}
    return {"changed": result["changed"], "rules": result["after"], "registry_id": result["registry_id"], "diff": diff}
