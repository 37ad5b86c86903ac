# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry baseline in one run (ecr_registry_baseline): every section given is checked, read once
(all sections concurrently), planned with the single-section modules' plans, and only then written.

A section whose option is null is neither read nor touched. Every section's errors are collected, each naming
its option path, and raised together before the first write. Writes follow ``SECTIONS`` (creation templates
before the pull through cache and replication rules that create repositories from them); a failure part-way
is a PartialFailure carrying the sections written.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import (
    account_setting_value,
    check_principal_arn,
    check_scan_type,
    parse_registry_policy,
    replication_rules_want,
    scanning_rules_want,
    signing_rules_want,
)
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry_rules import check_rule
from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import (
    plan_account_setting,
    plan_pull_time_exclusion,
    plan_registry_policy,
    plan_replication,
    plan_scanning_configuration,
    plan_signing,
    write_account_setting,
    write_pull_time_exclusion,
    write_registry_policy,
    write_replication,
    write_scanning,
    write_signing,
)
from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry_rules import (
    plan_pull_through_cache_rule,
    plan_template,
    template_want,
    template_warning,
    validate_pull_through_cache_rule,
    write_pull_through_cache_rule,
    write_template,
)
from ansible_collections.stowage.ecr.plugins.module_utils._views.registry_rules import rule_view, template_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, PartialFailure, ResultFailed, StowageError

# the sections, in the order they are written
SECTIONS = (
    "account_settings",
    "policy",
    "scanning",
    "repository_creation_templates",
    "pull_through_cache_rules",
    "replication_rules",
    "pull_time_update_exclusions",
    "signing_rules",
)
# the purge switches that act on a list, and the list
LIST_PURGES = ("repository_creation_templates", "pull_through_cache_rules", "replication_rules", "pull_time_update_exclusions")


def given(params: dict[str, Any]) -> list[str]:
    """The sections the task sets, in ``SECTIONS`` order."""
    return [
        name
        for name, on in (
            ("account_settings", params["account_settings"] is not None),
            ("policy", params["policy"] is not None or bool(params["purge_policy"])),
            ("scanning", params["scan_type"] is not None or params["scanning_rules"] is not None),
            ("repository_creation_templates", params["repository_creation_templates"] is not None),
            ("pull_through_cache_rules", params["pull_through_cache_rules"] is not None),
            ("replication_rules", params["replication_rules"] is not None),
            ("pull_time_update_exclusions", params["pull_time_update_exclusions"] is not None),
            ("signing_rules", params["signing_rules"] is not None or bool(params["purge_signing_rules"])),
        )
        if on
    ]


def within(path: str, error: InputError) -> InputError:
    """``error`` with its option named from the task's top: ``path`` and the single-section module's option."""
    return InputError("%s.%s" % (path, error), error.exception)


def renamed(error: InputError, old: str, new: str) -> InputError:
    """``error`` with its leading option ``old`` (a single-section module's) named ``new``."""
    message = str(error)
    if message.startswith(old) and message[len(old) : len(old) + 1] in ("[", ".", ":", ","):
        return InputError(new + message[len(old) :], error.exception)
    return error


def unique(items: list[Any], key: Callable[[Any], Any], option: str, what: str) -> None:
    keys = [key(item) for item in items]
    twice = sorted({str(k) for k in keys if keys.count(k) > 1})
    if twice:
        raise InputError("%s: each %s once; listed more than once: %s" % (option, what, ", ".join(twice)))


# what each section wants, checked before any call ------------------------------------------------------


def want_account_settings(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) in AWS's spelling, from a dict of name to value or a list of dicts with name and value."""
    settings = params["account_settings"]
    if isinstance(settings, dict):
        items = [("account_settings.%s" % name, name, value) for name, value in settings.items()]
    elif isinstance(settings, list) and all(isinstance(item, dict) and set(item) == {"name", "value"} for item in settings):
        items = [("account_settings[%d]" % index, item["name"], item["value"]) for index, item in enumerate(settings)]
    else:
        raise InputError("account_settings: give a dict of setting name to value (BLOB_MOUNTING: ENABLED), or a list of dicts with name and value")
    wanted = []
    for path, name, value in items:
        spelled = str(name).upper()
        try:
            wanted.append((spelled, account_setting_value(spelled, value)))
        except InputError as e:
            raise within(path, e) from None
    unique(wanted, lambda item: item[0], "account_settings", "setting")
    return wanted


def want_scanning(params: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
    check_scan_type(params["scan_type"])
    rules = params["scanning_rules"]
    return params["scan_type"], scanning_rules_want(rules, option="scanning_rules") if rules is not None else None


def want_templates(api: RegistryApi, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Each template's checked options (template_want: the KMS look-up included)."""
    items = params["repository_creation_templates"]
    unique(items, lambda item: item["prefix"], "repository_creation_templates", "prefix")
    wanted = []
    for index, item in enumerate(items):
        try:
            wanted.append(template_want(api, item))
        except InputError as e:
            raise within("repository_creation_templates[%d]" % index, e) from None
    return wanted


def want_rules(params: dict[str, Any], region: str) -> list[dict[str, Any]]:
    """Each pull through cache rule checked (check_rule), in the baseline's registry."""
    items = params["pull_through_cache_rules"]
    unique(items, lambda item: item["ecr_repository_prefix"], "pull_through_cache_rules", "ecr_repository_prefix")
    wanted = []
    for index, item in enumerate(items):
        registry_id = rules_registry(params)
        try:
            want = check_rule(dict(item, registry_id=registry_id), region=region)
        except InputError as e:
            raise within("pull_through_cache_rules[%d]" % index, e) from None
        wanted.append(
            dict(want, state=item["state"], recreate=bool(item["recreate"]), validate=bool(item["validate"]), fail_on_invalid=item["fail_on_invalid"])
        )
    return wanted


def rules_registry(params: dict[str, Any]) -> str | None:
    """The registry of the pull through cache rules: ``registry_id``, or the one the rules name (one for all)."""
    named = {item["registry_id"] for item in params["pull_through_cache_rules"] or [] if item.get("registry_id")}
    if params["registry_id"] is not None:
        named.add(params["registry_id"])
    if len(named) > 1:
        raise InputError("pull_through_cache_rules: the rules name registries %s; a baseline is one registry's, give its id once" % ", ".join(sorted(named)))
    return named.pop() if named else None


def want_exclusions(params: dict[str, Any]) -> list[str]:
    principals = params["pull_time_update_exclusions"]
    for index, arn in enumerate(principals):
        check_principal_arn(arn, option="pull_time_update_exclusions[%d]" % index)
    unique(principals, lambda arn: arn, "pull_time_update_exclusions", "principal ARN")
    return list(principals)


def check_switches(params: dict[str, Any]) -> list[str]:
    """The purge switches that do not go with the rest of the task."""
    problems = [
        "purge_%s: give %s too, the list to keep ([] removes all)" % (name, name) for name in LIST_PURGES if params["purge_" + name] and params[name] is None
    ]
    for name, what in (("policy", "the registry policy"), ("signing_rules", "the signing configuration")):
        if params["purge_" + name] and params[name] is not None:
            problems.append("purge_%s: deletes %s; not together with %s (give one of them)" % (name, what, name))
    return problems


def wants(api: RegistryApi, params: dict[str, Any], section: str) -> Any:
    """What ``section`` asks for, checked (InputError naming the option path)."""
    if section == "account_settings":
        return want_account_settings(params)
    if section == "policy":
        return None if params["purge_policy"] else parse_registry_policy(params["policy"])
    if section == "scanning":
        return want_scanning(params)
    if section == "repository_creation_templates":
        return want_templates(api, params)
    if section == "pull_through_cache_rules":
        return want_rules(params, api.region)
    if section == "replication_rules":
        return replication_rules_want(params["replication_rules"], option="replication_rules")
    if section == "pull_time_update_exclusions":
        return want_exclusions(params)
    return None if params["purge_signing_rules"] else signing_rules_want(params["signing_rules"], option="signing_rules")


# one read a section ---------------------------------------------------------------------------------


def reader(api: RegistryApi, section: str, want: Any, registry_id: str | None) -> Callable[[], Any]:
    """The read of ``section``: one call (account settings: one a setting)."""
    reads: dict[str, Callable[[], Any]] = {
        "account_settings": lambda: {name: api.account_setting(name) for name, _value in want},
        "policy": api.registry_policy,
        "scanning": api.registry_scanning_configuration,
        "repository_creation_templates": api.describe_repository_creation_templates,
        "pull_through_cache_rules": lambda: api.describe_pull_through_cache_rules(registry_id=rules_registry(api.module.params)),
        "replication_rules": api.describe_registry,
        "pull_time_update_exclusions": api.pull_time_update_exclusions,
        "signing_rules": api.signing_configuration,
        "registry": api.describe_registry,
    }
    return reads[section]


def live_registry_id(section: str, live: Any) -> str | None:
    """The registry id a section's read names, if any."""
    if section in ("policy", "scanning", "replication_rules", "signing_rules", "registry") and live:
        return live.get("registryId")
    return None


# plans ----------------------------------------------------------------------------------------------


def keyed(plans: list[dict[str, Any]], key: str, side: str) -> dict[str, Any]:
    return {plan[key]: plan[side] for plan in plans if plan["changed"] or side == "before"}


def plan_section(api: RegistryApi, params: dict[str, Any], section: str, want: Any, live: Any) -> dict[str, Any]:
    """The section's plan: changed, before, after (and its own details); ``items`` the plans to write one by one
    (the items of a list section), or ``plan`` the one plan of the section."""
    if section == "account_settings":
        items = [plan_account_setting(live[name], name, value) for name, value in want]
        before = {plan["before"]["name"]: plan["before"]["value"] for plan in items}
        after = {plan["after"]["name"]: plan["after"]["value"] for plan in items}
        return {"changed": before != after, "before": before, "after": after, "items": items}
    if section == "policy":
        plan = plan_registry_policy(live, want)
        return {"changed": plan["changed"], "before": plan["before"], "after": plan["after"], "plan": plan}
    if section == "scanning":
        try:
            plan = plan_scanning_configuration(live, want[0], want[1])
        except InputError as e:
            raise renamed(e, "rules", "scanning_rules") from None
        return {"changed": plan["changed"], "before": plan["before"], "after": plan["after"], "plan": plan}
    if section == "repository_creation_templates":
        return plan_templates(params, want, live)
    if section == "pull_through_cache_rules":
        return plan_rules(api, params, want, live)
    if section == "replication_rules":
        try:
            plan = plan_replication(live, params["replication_rules"], "present", bool(params["purge_replication_rules"]), api.region, "replication_rules")
        except InputError as e:
            raise InputError(str(e).replace("purge_rules: true", "purge_replication_rules: true"), e.exception) from None
        return {"changed": plan["changed"], "before": plan["before"], "after": plan["after"], "plan": plan}
    if section == "pull_time_update_exclusions":
        items = [plan_pull_time_exclusion(live, arn, "present") for arn in want]
        if params["purge_pull_time_update_exclusions"]:
            items += [plan_pull_time_exclusion(live, arn, "absent") for arn in sorted(set(live) - set(want))]
        items = [plan for plan in items if plan["changed"]]
        excluded = sorted(set(live) - {plan["principal_arn"] for plan in items} | {plan["principal_arn"] for plan in items if plan["after"]})
        return {"changed": bool(items), "before": sorted(live), "after": excluded, "items": items}
    plan = plan_signing(live, want)
    return {"changed": plan["changed"], "before": plan["before"], "after": plan["after"], "plan": plan}


def plan_items(
    section: str,
    key: str,
    want: list[dict[str, Any]],
    current: dict[str, dict[str, Any]],
    plan_one: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
    purged: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The plans of a list section's items (``plan_one`` of an item's want and the live view of its ``key``), and of
    the ``purged`` ones (None for no purge): the live items the list does not name."""
    plans = []
    for index, item in enumerate(want):
        try:
            plans.append(plan_one(item, current.get(item[key], {})))
        except InputError as e:
            raise within("%s[%d]" % (section, index), e) from None
    listed = {item[key] for item in want}
    plans += [plan_one(gone, current[gone[key]]) for gone in purged or [] if gone[key] not in listed]
    for plan in plans:
        plan[key] = plan["want"][key]
    return {
        "changed": any(plan["changed"] for plan in plans),
        "before": keyed(plans, key, "before"),
        "after": keyed(plans, key, "after"),
        "plans": plans,
        "items": [plan for plan in plans if plan["changed"]],
    }


def plan_templates(params: dict[str, Any], want: list[dict[str, Any]], live: list[dict[str, Any]]) -> dict[str, Any]:
    current = {view["prefix"]: view for view in (template_view(raw) for raw in live)}
    purged = [{"prefix": prefix, "lifecycle": None, "state": "absent"} for prefix in sorted(current)]
    return plan_items(
        "repository_creation_templates",
        "prefix",
        want,
        current,
        lambda item, found: plan_template(item, item["state"], found),
        purged if params["purge_repository_creation_templates"] else None,
    )


def plan_rules(api: RegistryApi, params: dict[str, Any], want: list[dict[str, Any]], live: list[dict[str, Any]]) -> dict[str, Any]:
    current = {view["ecr_repository_prefix"]: view for view in (rule_view(raw) for raw in live)}
    purged = [{"ecr_repository_prefix": prefix, "registry_id": rules_registry(params), "state": "absent"} for prefix in sorted(current)]
    return plan_items(
        "pull_through_cache_rules",
        "ecr_repository_prefix",
        want,
        current,
        lambda item, found: plan_pull_through_cache_rule(api, item, item["state"], bool(item.get("recreate")), found),
        purged if params["purge_pull_through_cache_rules"] else None,
    )


# writes ---------------------------------------------------------------------------------------------

WRITES: dict[str, Callable[[RegistryApi, dict[str, Any]], dict[str, Any]]] = {
    "account_settings": write_account_setting,
    "policy": write_registry_policy,
    "scanning": write_scanning,
    "repository_creation_templates": write_template,
    "pull_through_cache_rules": write_pull_through_cache_rule,
    "replication_rules": write_replication,
    "pull_time_update_exclusions": write_pull_time_exclusion,
    "signing_rules": write_signing,
}


def write_section(api: RegistryApi, section: str, planned: dict[str, Any]) -> None:
    """Every call of a section's plan; the section's ``after`` from what ECR answered."""
    for plan in planned.get("items") or [planned["plan"]]:
        if plan["changed"]:
            WRITES[section](api, plan)
    if section == "replication_rules":
        planned["after"] = planned["plan"]["after"]
    elif section == "account_settings":
        planned["after"] = {plan["after"]["name"]: plan["after"]["value"] for plan in planned["items"]}
    elif section in ("repository_creation_templates", "pull_through_cache_rules"):
        key = "prefix" if section == "repository_creation_templates" else "ecr_repository_prefix"
        planned["after"] = keyed(planned["items"], key, "after")
        planned["after"].update({k: v for k, v in planned["before"].items() if k not in planned["after"]})


def section_view(section: str, planned: dict[str, Any]) -> dict[str, Any]:
    """What the module returns of a section."""
    view = {"changed": planned["changed"], "before": planned["before"], "after": planned["after"]}
    if section == "repository_creation_templates":
        view["templates"] = [
            {"prefix": plan["prefix"], "operation": plan["action"], "changes": plan["changes"], "template": plan["template"]} for plan in planned["plans"]
        ]
    elif section == "pull_through_cache_rules":
        view["rules"] = [
            {"ecr_repository_prefix": plan["ecr_repository_prefix"], "operation": plan["action"], "rule": plan["rule"], "validation": plan["validation"]}
            for plan in planned["plans"]
        ]
    return view


def output(sections: dict[str, dict[str, Any]], registry_id: str | None) -> dict[str, Any]:
    diff = [
        {"before_header": name, "after_header": name, "before": view["before"], "after": view["after"]} for name, view in sections.items() if view["changed"]
    ]
    return {"changed": any(view["changed"] for view in sections.values()), "sections": sections, "registry_id": registry_id, "diff": diff}


# the run --------------------------------------------------------------------------------------------


def baseline_report(module: Any) -> dict[str, Any]:
    """ecr_registry_baseline's result: ``sections`` (each given section's changed, before, after), ``changed``,
    ``registry_id`` and, for diff mode, one ``diff`` entry a changed section."""
    params = module.params
    api = RegistryApi(module)
    problems = check_switches(params)
    registry_id = params["registry_id"]
    if registry_id is not None and not (str(registry_id).isdigit() and len(str(registry_id)) == 12):
        problems.append("registry_id: %s is not a registry id; give the 12-digit AWS account id of the registry" % registry_id)
    sections = given(params)
    wanted: dict[str, Any] = {}
    for section in sections:
        try:
            wanted[section] = wants(api, params, section)
        except InputError as e:
            problems.append(str(e))
    readable = [section for section in sections if section in wanted]
    if registry_id is not None and not {"scanning", "replication_rules"} & set(readable):
        readable.append("registry")  # the account guard needs the registry's id
    found = dict(zip(readable, api.parallel(lambda section: reader(api, section, wanted.get(section), registry_id)(), readable)))
    actual = next((rid for rid in (live_registry_id(section, found[section]) for section in readable) if rid), None)
    if registry_id is not None and actual is not None and str(actual) != str(registry_id):
        raise InputError(
            "registry_id: the credentials reach registry %s, not %s; nothing was changed. Check the profile or credentials of this host."
            % (actual, registry_id)
        )
    planned: dict[str, dict[str, Any]] = {}
    for section in sections:
        if section not in wanted:
            continue
        try:
            planned[section] = plan_section(api, params, section, wanted[section], found[section])
        except InputError as e:
            problems.append(str(e))
    warnings = [
        warning for plan in (planned.get("repository_creation_templates") or {}).get("items", []) for warning in [template_warning(plan["template"])] if warning
    ]
    if params["strict"]:
        problems += ["repository_creation_templates: %s (strict: true refuses it)" % warning for warning in warnings]
    if problems:
        raise InputError("; ".join(problem.rstrip(".") for problem in problems) + " (nothing was changed)")
    for warning in warnings:
        module.warn(warning)
    registry_id = registry_id or actual

    written: dict[str, dict[str, Any]] = {}
    if not module.check_mode:
        for section, plan in planned.items():
            if not plan["changed"]:
                continue
            try:
                write_section(api, section, plan)
            except Exception as e:
                done = output({name: section_view(name, written[name]) for name in written}, registry_id)
                done.update(failed_section=section, not_written=[name for name, p in planned.items() if p["changed"] and name not in written])
                error = StowageError(e.message, e.exception) if isinstance(e, StowageError) else e
                raise PartialFailure(error, done) from e
            written[section] = plan
    result = output({section: section_view(section, plan) for section, plan in planned.items()}, registry_id)
    invalid = validate_rules(api, planned.get("pull_through_cache_rules"), module.check_mode, result)
    if invalid:
        raise ResultFailed(
            "pull_through_cache_rules: ECR found the pull through cache rule for %s not valid%s. Fix the credentials or the role (or set "
            "fail_on_invalid: false on the rule to only report it)." % (", ".join(invalid), "; the baseline was written as asked" if result["changed"] else ""),
            result=result,
        )
    return result


def validate_rules(api: RegistryApi, planned: dict[str, Any] | None, check_mode: bool, result: dict[str, Any]) -> list[str]:
    """Validate the rules that ask for it (each rule's ``validation`` in the result); the prefixes of those ECR
    finds not valid and that fail the task."""
    if not planned:
        return []
    invalid = []
    views = {view["ecr_repository_prefix"]: view for view in result["sections"]["pull_through_cache_rules"]["rules"]}
    for plan in planned["plans"]:
        want = plan["want"]
        if not want.get("validate") or want.get("state") != "present":
            continue
        try:
            verdict = validate_pull_through_cache_rule(api, plan, check_mode)
        except PartialFailure as e:
            raise PartialFailure(StowageError(e.message, e.exception), result) from e
        views[plan["ecr_repository_prefix"]]["validation"] = verdict
        if verdict is not None and not verdict["is_valid"] and want.get("fail_on_invalid", True):
            invalid.append("%s (%s)" % (plan["ecr_repository_prefix"], verdict["failure"] or "no reason given"))
    return invalid
