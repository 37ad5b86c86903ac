# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the registry-level settings of the caller's registry (ecr_registry_info).

Each section is read by its own function (concurrently, on a few threads: boto3 clients are
thread-safe) and given in the words of the module that manages it. A section the caller may not
read (AccessDenied) or that the region does not offer is no failure of the whole read: it is left
out and its error reported (``SectionError``); any other error ends the read. ``role_vars`` turns
the sections read into the variables of the role ``ecr_registry`` that reproduce them (pure).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import WORKERS, parallel
from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import typed_rules
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import ACCOUNT_SETTINGS, canonical_scanning, canonical_signing
from ansible_collections.stowage.ecr.plugins.module_utils._views.registry_rules import rule_view, template_view
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import (
    exact_policies,
    replication_rules_view,
    scanning_view,
    signing_rules_view,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, ResultFailed, SectionError

SECTIONS = (
    "policy",
    "replication",
    "scanning",
    "pull_through_cache_rules",
    "repository_creation_templates",
    "account_settings",
    "pull_time_update_exclusions",
    "signing",
)
# error codes that say the caller may not read a section, or that the region does not offer it;
# a section that meets one is reported, not failed (every other error fails the read)
SECTION_ERROR_CODES = (
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnknownOperationException",
    "UnsupportedOperation",
    "UnsupportedOperationException",
    "InvalidAction",
)

# the same for one account setting: a name the region does not know is refused as a ValidationException
SETTING_ERROR_CODES = SECTION_ERROR_CODES + ("ValidationException", "InvalidParameterException")


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


def _guarded(read: Callable[[], Any], codes: tuple[str, ...] = SECTION_ERROR_CODES) -> Callable[[], Any]:
    """``read`` with the errors of ``codes`` raised as SectionError."""

    def run() -> Any:
        try:
            return read()
        except AWS_ERRORS as e:
            code = _error_code(e)  # "" for botocore's own failures, which have no code
            if code in codes:
                raise SectionError(code, str(e), e) from e
            raise

    return run


# the sections ----------------------------------------------------------------------------------


def read_policy(api: RegistryApi) -> tuple[Any, str | None]:
    found = api.registry_policy()
    if not found or not found.get("policyText"):
        return None, (found or {}).get("registryId")
    text = found["policyText"]
    try:
        return json.loads(text), found.get("registryId")
    except ValueError:
        return text, found.get("registryId")


def read_replication(api: RegistryApi) -> tuple[dict[str, Any], str | None]:
    found = api.describe_registry()
    return {"rules": replication_rules_view(found["replicationConfiguration"].get("rules"))}, found.get("registryId")


def read_scanning(api: RegistryApi) -> tuple[dict[str, Any], str | None]:
    found = api.registry_scanning_configuration()
    return scanning_view(canonical_scanning(found.get("scanningConfiguration") or {})), found.get("registryId")


def pull_through_cache_rules_view(raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DescribePullThroughCacheRules entries as ecr_pull_through_cache_rule returns its ``rule``, sorted by prefix."""
    return sorted((rule_view(raw) for raw in raws), key=lambda v: str(v.get("ecr_repository_prefix")))


def read_pull_through_cache_rules(api: RegistryApi) -> tuple[list[dict[str, Any]], str | None]:
    views = pull_through_cache_rules_view(api.describe_pull_through_cache_rules())
    return views, next((v["registry_id"] for v in views if v.get("registry_id")), None)


def templates_view(raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RepositoryCreationTemplate entries as ecr_repository_creation_template returns its ``template``, sorted by prefix."""
    return sorted((template_view(raw) for raw in raws), key=lambda v: str(v.get("prefix")))


def read_templates(api: RegistryApi) -> tuple[list[dict[str, Any]], str | None]:
    return templates_view(api.describe_repository_creation_templates()), None


def read_account_settings(api: RegistryApi, workers: int, skipped: dict[str, dict[str, str]]) -> tuple[list[dict[str, Any]], None]:
    """Every account setting ECR knows, as ``{name, value}`` sorted by name. A setting that the region does not
    know or the caller may not read is left out and put in ``skipped``."""

    def one(name: str) -> dict[str, Any] | None:
        try:
            found = _guarded(lambda: api.account_setting(name), SETTING_ERROR_CODES)()
        except SectionError as e:
            skipped[name] = {"code": e.code, "message": e.message}
            return None
        return {"name": found.get("name") or name, "value": found.get("value")}

    names = sorted(ACCOUNT_SETTINGS)
    found = [setting for setting in parallel(one, names, workers) if setting is not None]
    if not found and skipped and all(error["code"] in SECTION_ERROR_CODES for error in skipped.values()):
        first = skipped[sorted(skipped)[0]]
        raise SectionError(first["code"], first["message"])
    return found, None


def read_exclusions(api: RegistryApi) -> tuple[list[str], None]:
    return sorted(api.pull_time_update_exclusions()), None


def read_signing(api: RegistryApi) -> tuple[dict[str, Any], str | None]:
    found = api.signing_configuration()
    if found is None:
        return {"rules": None}, None
    rules = (found.get("signingConfiguration") or {}).get("rules") or []
    return {"rules": signing_rules_view(canonical_signing(rules))}, found.get("registryId")


def read_registry(api: RegistryApi, sections: list[str], workers: int = WORKERS) -> dict[str, Any]:
    """The sections asked for, concurrently. Returns ``registry_id``, ``region``, each section read under its
    name (a section that could not be read: None), ``errors`` (section: code and message) and
    ``skipped_settings`` (account setting: code and message)."""
    skipped: dict[str, dict[str, str]] = {}
    readers: dict[str, Callable[[], Any]] = {
        "policy": lambda: read_policy(api),
        "replication": lambda: read_replication(api),
        "scanning": lambda: read_scanning(api),
        "pull_through_cache_rules": lambda: read_pull_through_cache_rules(api),
        "repository_creation_templates": lambda: read_templates(api),
        "account_settings": lambda: read_account_settings(api, workers, skipped),
        "pull_time_update_exclusions": lambda: read_exclusions(api),
        "signing": lambda: read_signing(api),
    }
    wanted = [section for section in SECTIONS if section in sections]

    def read(section: str) -> tuple[str, Any, str | None, SectionError | None]:
        try:
            value, registry_id = _guarded(readers[section])()
        except SectionError as e:
            return section, None, None, e
        return section, value, registry_id, None

    result: dict[str, Any] = {"errors": {}, "skipped_settings": skipped}
    ids = []
    for section, value, registry_id, error in parallel(read, wanted, workers):
        result[section] = value
        if error is not None:
            result["errors"][section] = {"code": error.code, "message": error.message}
        if registry_id:
            ids.append(registry_id)
    result["registry_id"] = ids[0] if ids else api.caller_account()
    result["region"] = api.region
    return result


# the role's variables --------------------------------------------------------------------------


def _replication_rule_item(rule: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"destinations": [{"region": d.get("region"), "registry_id": d.get("registry_id")} for d in rule.get("destinations") or []]}
    filters = [{"filter": f.get("filter"), "filter_type": f.get("filter_type") or "PREFIX_MATCH"} for f in rule.get("repository_filters") or []]
    if filters:
        item["repository_filters"] = filters
    item["delete_replication"] = bool(rule.get("delete_replication"))
    return item


def _scanning_rule_item(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "scan_frequency": rule.get("scan_frequency"),
        "repository_filters": [{"filter": f.get("filter"), "filter_type": f.get("filter_type") or "WILDCARD"} for f in rule.get("repository_filters") or []],
    }


def _signing_rule_item(rule: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"signing_profile_arn": rule.get("signing_profile_arn")}
    filters = [{"filter": f.get("filter"), "filter_type": f.get("filter_type") or "WILDCARD_MATCH"} for f in rule.get("repository_filters") or []]
    if filters:
        item["repository_filters"] = filters
    return item


def pull_through_cache_rule_item(view: dict[str, Any]) -> dict[str, Any]:
    """A rule's view as an item of the role's ``ecr_registry_pull_through_cache_rules`` (the module's options): the
    fields of the rule that the upstream takes, so that converging it changes nothing."""
    item = {key: view.get(key) for key in ("ecr_repository_prefix", "upstream_registry_url", "upstream_registry")}
    if view.get("upstream_registry") == "ecr":
        for key in ("custom_role_arn", "upstream_repository_prefix"):
            if view.get(key):
                item[key] = view[key]
    elif view.get("credential_arn"):
        item["credential_arn"] = view["credential_arn"]
    return item


def template_item(view: dict[str, Any]) -> dict[str, Any]:
    """A template's view as an item of the role's ``ecr_registry_repository_creation_templates`` (the module's options),
    written out whole: every tag with purge_tags, no policy as purge_policy, no lifecycle policy as an empty
    lifecycle_rules, no description or role as an empty string, so that converging it changes nothing and a change
    made outside Ansible is put back. The lifecycle policy as typed lifecycle_rules when they say it exactly."""
    item: dict[str, Any] = {
        "prefix": view.get("prefix"),
        "applied_for": sorted(view.get("applied_for") or []),
        "description": view.get("description") or "",
        "image_tag_mutability": view.get("image_tag_mutability") or "MUTABLE",
    }
    if view.get("image_tag_mutability_exclusion_filters") and item["image_tag_mutability"].endswith("_WITH_EXCLUSION"):
        item["image_tag_mutability_exclusion_filters"] = sorted(view["image_tag_mutability_exclusion_filters"])
    item["encryption_type"] = view.get("encryption_type") or "AES256"
    if view.get("kms_key") and item["encryption_type"] != "AES256":
        item["kms_key"] = view["kms_key"]
    item["tags"] = dict(sorted((view.get("tags") or {}).items()))
    exact_policies(item, view, typed_rules(view.get("lifecycle_policy")))
    item["custom_role_arn"] = view.get("custom_role_arn") or ""
    return item


def role_vars(read: dict[str, Any]) -> dict[str, Any]:
    """The variables of the role ecr_registry that reproduce the sections of ``read`` (``read_registry``'s result):
    feeding them back changes nothing. A section that was not read (or could not be) has no variable, which leaves
    it alone. Lists that the role merges are written out whole, with the purge that makes them exact."""
    out: dict[str, Any] = {"ecr_registry_region": read.get("region"), "ecr_registry_registry_id": read.get("registry_id")}

    def have(section: str) -> bool:
        return section in read and section not in read.get("errors", {}) and read[section] is not None

    if have("policy"):
        out["ecr_registry_policy"] = read["policy"]
    elif "policy" in read and "policy" not in read.get("errors", {}):
        out["ecr_registry_purge_policy"] = True
    if have("replication"):
        out["ecr_registry_replication_rules"] = [_replication_rule_item(r) for r in read["replication"]["rules"]]
        out["ecr_registry_purge_replication_rules"] = True
    if have("scanning"):
        out["ecr_registry_scan_type"] = read["scanning"].get("scan_type") or "BASIC"
        out["ecr_registry_scanning_rules"] = [_scanning_rule_item(r) for r in read["scanning"].get("rules") or []]
    if have("pull_through_cache_rules"):
        out["ecr_registry_pull_through_cache_rules"] = [pull_through_cache_rule_item(v) for v in read["pull_through_cache_rules"]]
        out["ecr_registry_purge_pull_through_cache_rules"] = True
    if have("repository_creation_templates"):
        out["ecr_registry_repository_creation_templates"] = [template_item(v) for v in read["repository_creation_templates"]]
        out["ecr_registry_purge_repository_creation_templates"] = True
    if have("account_settings"):
        out["ecr_registry_account_settings"] = {s["name"]: s["value"] for s in read["account_settings"] if s.get("value") is not None}
    if have("pull_time_update_exclusions"):
        out["ecr_registry_pull_time_update_exclusions"] = list(read["pull_time_update_exclusions"])
        out["ecr_registry_purge_pull_time_update_exclusions"] = True
    if have("signing"):
        rules = read["signing"].get("rules")
        if rules is None:
            out["ecr_registry_purge_signing_rules"] = True
        else:
            out["ecr_registry_signing_rules"] = [_signing_rule_item(r) for r in rules]
    return out


# ecr_registry_info's result --------------------------------------------------------------------


def registry_report(module: Any) -> dict[str, Any]:
    """ecr_registry_info's result; a section that could not be read warns, or fails the task with the
    result (fail_on_section_error)."""
    read = read_registry(RegistryApi(module), module.params["sections"])
    output = {"changed": False, "registry_id": read["registry_id"], "errors": read["errors"], "skipped_settings": read["skipped_settings"]}
    for section in SECTIONS:
        if section in read:
            output[section] = read[section]
    output["role_vars"] = role_vars(read)
    for section, error in sorted(read["errors"].items()):
        text = "section %s: not read (%s): %s" % (section, error["code"], error["message"])
        if module.params["fail_on_section_error"]:
            raise ResultFailed("The registry's %s" % text, result=output)
        module.warn("The registry's %s; it is null in the result and has no variable in role_vars." % text)
    for name, error in sorted(read["skipped_settings"].items()):
        if "account_settings" not in read["errors"]:
            module.warn("Account setting %s: not read (%s); it is left out of account_settings and role_vars." % (name, error["code"]))
    return output
