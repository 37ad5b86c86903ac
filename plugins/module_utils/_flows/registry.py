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

# Each section is three steps, which ecr_registry_baseline calls too: ``plan_*`` (pure: the live setting as read,
# and what the task asks, to changed, before and after; raises InputError for what ECR would refuse), ``write_*``
# (the calls for a plan that changes) and ``converge_*`` (read, plan, write unless in check mode).


def plan_registry_policy(found: dict[str, Any] | None, want: dict[str, Any] | None) -> dict[str, Any]:
    """The registry policy ``want`` (a checked IAM policy document, None to delete) against GetRegistryPolicy's ``found``."""
    before = registry_policy_view(found)
    changed = policies_differ(before, want)
    return {"changed": changed, "before": before, "after": want if changed else before, "registry_id": found.get("registryId") if found else None}


def write_registry_policy(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    if plan["after"] is None:
        api.delete_registry_policy()
    else:
        plan["registry_id"] = api.put_registry_policy(policy_text(plan["after"])).get("registryId") or plan["registry_id"]
    return plan


def converge_registry_policy(api: RegistryApi, want: dict[str, Any] | None, check_mode: bool) -> dict[str, Any]:
    """Put the registry policy ``want`` (a checked IAM policy document), or delete it (``want`` None)."""
    result = plan_registry_policy(api.registry_policy(), want)
    if result["changed"] and not check_mode:
        write_registry_policy(api, result)
    return dict(result, registry_id=result["registry_id"] or api.describe_registry().get("registryId"))


def plan_replication(registry: dict[str, Any], rules: list[dict[str, Any]], state: str, purge: bool, region: str, option: str = "rules") -> dict[str, Any]:
    """The task's replication ``rules`` merged into DescribeRegistry's ``registry`` at rule level
    (merge_replication); ``merged`` is the configuration to put."""
    registry_id = registry.get("registryId")
    live = list(registry["replicationConfiguration"].get("rules") or [])
    wanted = replication_rules_want(rules, option=option, own_registry_id=registry_id)
    merged = merge_replication(live, wanted, state, purge)
    before = replication_rules_view(live)
    if rules_equal(merged, live):
        return {"changed": False, "before": before, "after": before, "registry_id": registry_id, "merged": live}
    if state == "present":
        check_replication_limits(merged, wanted, region, str(registry_id), option=option)
    return {"changed": True, "before": before, "after": replication_rules_view(merged), "registry_id": registry_id, "merged": merged}


def write_replication(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    written = api.put_replication_configuration(plan["merged"]).get("replicationConfiguration") or {}
    plan["after"] = replication_rules_view(written.get("rules", plan["merged"]))
    return plan


def converge_replication(api: RegistryApi, rules: list[dict[str, Any]], state: str, purge: bool, check_mode: bool) -> dict[str, Any]:
    """Merge the task's replication ``rules`` (the module's option, checked by replication_rules_want already)
    into the registry's replication configuration, at rule level (registry_settings.merge_replication)."""
    result = plan_replication(api.describe_registry(), rules, state, purge, api.region)
    if result["changed"] and not check_mode:
        write_replication(api, result)
    result.pop("merged")
    return result


def plan_scanning_configuration(found: dict[str, Any], scan_type: str | None, rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The scan type and rules (None keeps the live one) against GetRegistryScanningConfiguration's ``found``."""
    live = found.get("scanningConfiguration") or {}
    before = scanning_view(canonical_scanning(live))
    planned = plan_scanning(live, scan_type, rules)
    after = before if planned is None else scanning_view(planned)
    return {"changed": planned is not None, "before": before, "after": after, "registry_id": found.get("registryId"), "planned": planned}


def write_scanning(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    api.put_registry_scanning_configuration(plan["planned"]["scanType"], plan["planned"]["rules"])
    return plan


def converge_scanning(api: RegistryApi, scan_type: str | None, rules: list[dict[str, Any]] | None, check_mode: bool) -> dict[str, Any]:
    """Put the registry scanning configuration; an omitted ``scan_type`` or ``rules`` (None) keeps the live one."""
    result = plan_scanning_configuration(api.registry_scanning_configuration(), scan_type, rules)
    if result["changed"] and not check_mode:
        write_scanning(api, result)
    result.pop("planned")
    return result


def plan_account_setting(found: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    """An account setting's ``value`` against GetAccountSetting's ``found``."""
    current = {"name": found.get("name", name), "value": found.get("value")}
    if current["value"] == value:
        return {"changed": False, "before": current, "after": current}
    return {"changed": True, "before": current, "after": {"name": name, "value": value}}


def write_account_setting(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    name, value = plan["after"]["name"], plan["after"]["value"]
    put = api.put_account_setting(name, value)
    plan["after"] = {"name": put.get("name", name), "value": put.get("value", value)}
    return plan


def converge_account_setting(api: RegistryApi, name: str, value: str, check_mode: bool) -> dict[str, Any]:
    """Put an account setting when its value differs."""
    result = plan_account_setting(api.account_setting(name), name, value)
    if result["changed"] and not check_mode:
        write_account_setting(api, result)
    return result


def plan_pull_time_exclusion(live: list[str], principal_arn: str, state: str) -> dict[str, Any]:
    """Whether a principal is to be excluded (``state`` present) or not, against ListPullTimeUpdateExclusions' ``live``."""
    excluded, want = principal_arn in live, state == "present"
    return {"changed": excluded != want, "before": excluded, "after": want if excluded != want else excluded, "principal_arn": principal_arn}


def write_pull_time_exclusion(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    """Register or deregister; ``changed`` False when ECR found it done already."""
    if plan["after"]:
        plan["changed"] = api.register_pull_time_update_exclusion(plan["principal_arn"])
    else:
        plan["changed"] = api.deregister_pull_time_update_exclusion(plan["principal_arn"])
    return plan


def converge_pull_time_exclusion(api: RegistryApi, principal_arn: str, state: str, check_mode: bool) -> dict[str, Any]:
    """Register (state present) or deregister (absent) a principal's pull-time update exclusion."""
    result = plan_pull_time_exclusion(api.pull_time_update_exclusions(), principal_arn, state)
    if result["changed"] and not check_mode:
        write_pull_time_exclusion(api, result)
    result.pop("principal_arn")
    return result


def plan_signing(found: dict[str, Any] | None, rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The signing ``rules`` (AWS SigningRule shapes; None deletes the configuration) against GetSigningConfiguration's ``found``."""
    live = (found.get("signingConfiguration") or {}).get("rules") or [] if found else None
    before = signing_rules_view(canonical_signing(live))
    after = signing_rules_view(canonical_signing(rules))
    changed = before != after
    return {
        "changed": changed,
        "before": before,
        "after": after if changed else before,
        "registry_id": found.get("registryId") if found else None,
        "rules": rules,
    }


def write_signing(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    if plan["rules"] is None:
        api.delete_signing_configuration()
    else:
        api.put_signing_configuration(plan["rules"])
    return plan


def converge_signing(api: RegistryApi, rules: list[dict[str, Any]] | None, check_mode: bool) -> dict[str, Any]:
    """Put the signing configuration with exactly ``rules`` (AWS SigningRule shapes), or delete it (None)."""
    result = plan_signing(api.signing_configuration(), rules)
    if result["changed"] and not check_mode:
        write_signing(api, result)
    result.pop("rules")
    return dict(result, registry_id=result["registry_id"] or api.describe_registry().get("registryId"))


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
