# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring one pull through cache rule, or one repository creation template, to the requested state.

Read, plan (``registry_rules``), write only what differs (nothing in check mode), return the views
before and after. Every check that can fail runs before the first write.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import lifecycle_want
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry_rules import (
    KMS_ENCRYPTION_TYPES,
    MANAGED_KMS_ALIAS,
    check_role_arn,
    check_rule,
    check_rule_credentials,
    check_template,
    needs_kms_lookup,
    plan_rule,
    rule_create_call,
    rule_update_call,
    template_call,
    template_changes,
    template_target,
)
from ansible_collections.stowage.ecr.plugins.module_utils._views.registry_rules import rule_view, template_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, PartialFailure, RecreateFailed, ResultFailed

# the options of ecr_pull_through_cache_rule that a rule holds (its diff shows these)
RULE_FIELDS = ("ecr_repository_prefix", "upstream_registry_url", "upstream_registry", "credential_arn", "custom_role_arn", "upstream_repository_prefix")
# the options of ecr_repository_creation_template that a template holds
TEMPLATE_FIELDS = (
    "prefix",
    "description",
    "applied_for",
    "image_tag_mutability",
    "image_tag_mutability_exclusion_filters",
    "encryption_type",
    "kms_key",
    "tags",
    "policy",
    "lifecycle_policy",
    "custom_role_arn",
)


def _fields(view: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: view.get(key) for key in fields} if view else {}


def plan_pull_through_cache_rule(api: RegistryApi, want: dict[str, Any], state: str, recreate: bool, current: dict[str, Any]) -> dict[str, Any]:
    """A checked rule ``want`` (check_rule) against the live rule's view ``current`` ({} for none): changed,
    action, before, after, rule, and the ``target`` to write. Refuses (InputError) what ECR would refuse, the
    change that needs a re-create without ``recreate`` included. Looks up the caller's account for an ECR upstream."""
    registry_id = want.get("registry_id")
    result: dict[str, Any] = {"changed": False, "action": None, "before": _fields(current, RULE_FIELDS), "validation": None, "want": want}
    if state == "absent":
        if current:
            result.update(changed=True, action="delete")
        result["after"], result["rule"] = {}, {}
        return result
    action, target = plan_rule(want, current or None, recreate)
    account = registry_id
    if target["upstream_registry"] == "ecr" and not account:
        try:
            account = api.caller_account()
        except AWS_ERRORS:
            account = None  # AWS decides
        if account and target.get("custom_role_arn"):
            check_role_arn(target["custom_role_arn"], account)
    if action is not None:
        check_rule_credentials(target, account)
    result.update(action=action, target=target, current=current, recreate=recreate)
    if action is None:
        result.update(after=_fields(current, RULE_FIELDS), rule=current)
    else:
        result.update(changed=True, after=_fields(target, RULE_FIELDS), rule=dict(target, registry_id=registry_id or current.get("registry_id")))
    return result


def write_pull_through_cache_rule(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    """The calls of a plan that changes (create, update, re-create, delete), then the rule read again; a failure
    after the write is a PartialFailure with ecr_pull_through_cache_rule's result."""
    want = plan["want"]
    prefix, registry_id = want["ecr_repository_prefix"], want.get("registry_id")
    if plan["action"] == "delete":
        api.delete_pull_through_cache_rule(prefix, registry_id)
        return plan
    try:
        _write_rule(api, plan["action"], want, plan["target"], plan["current"], registry_id, plan["recreate"])
    except RecreateFailed as e:
        raise RecreateFailed(str(e), e.exception, rule_output(dict(public_plan(plan), changed=True, **e.result))) from e.exception
    try:
        fresh = rule_view(api.pull_through_cache_rule(prefix, registry_id))
    except AWS_ERRORS as e:
        raise PartialFailure(e, rule_output(public_plan(plan))) from e
    plan.update(after=_fields(fresh, RULE_FIELDS), rule=fresh)
    return plan


def validate_pull_through_cache_rule(api: RegistryApi, plan: dict[str, Any], check_mode: bool) -> dict[str, Any] | None:
    """ECR's verdict on the rule (is_valid, failure); None in check mode for a rule that is not there as asked.
    A failed call after a write is a PartialFailure with ecr_pull_through_cache_rule's result."""
    if check_mode and plan["action"] is not None:
        return None  # there is no rule yet (or not the one asked for) to validate
    want = plan["want"]
    try:
        verdict = api.validate_pull_through_cache_rule(want["ecr_repository_prefix"], want.get("registry_id"))
    except AWS_ERRORS as e:
        if plan["changed"] and not check_mode:
            raise PartialFailure(e, rule_output(public_plan(plan))) from e
        raise
    return {"is_valid": bool(verdict.get("isValid")), "failure": verdict.get("failure") or None}


# the keys of a plan that are for its write only
PLAN_ONLY = ("want", "target", "current", "recreate", "lifecycle")


def public_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan without the keys for its write."""
    return {key: value for key, value in plan.items() if key not in PLAN_ONLY}


def converge_pull_through_cache_rule(module: Any) -> dict[str, Any]:
    """ecr_pull_through_cache_rule: returns changed, action, before, after (option-word dicts, {} for no rule),
    rule (the full view after) and validation (None unless asked and possible)."""
    params = module.params
    api = RegistryApi(module)
    want = check_rule(params, region=api.region)
    current = rule_view(api.pull_through_cache_rule(want["ecr_repository_prefix"], want.get("registry_id")))
    plan = plan_pull_through_cache_rule(api, want, params["state"], bool(params.get("recreate")), current)
    if plan["changed"] and not module.check_mode:
        write_pull_through_cache_rule(api, plan)
    if params.get("validate") and params["state"] == "present":
        plan["validation"] = validate_pull_through_cache_rule(api, plan, module.check_mode)
    return public_plan(plan)


def rule_output(result: dict[str, Any]) -> dict[str, Any]:
    """ecr_pull_through_cache_rule's result (its ``diff`` for diff mode) from converge_pull_through_cache_rule's."""
    return {
        "changed": result["changed"],
        "rule": result["rule"],
        "operation": result["action"],
        "validation": result["validation"],
        "diff": {"before": result["before"], "after": result["after"]},
    }


def pull_through_cache_rule_report(module: Any) -> dict[str, Any]:
    """ecr_pull_through_cache_rule's result (its ``diff`` for diff mode); a rule ECR finds not valid fails
    the task with the result, unless fail_on_invalid is false."""
    prefix = module.params["ecr_repository_prefix"]
    result = converge_pull_through_cache_rule(module)
    output = rule_output(result)
    verdict = result["validation"]
    if verdict is not None and not verdict["is_valid"] and module.params["fail_on_invalid"]:
        raise ResultFailed(
            "validate: ECR found the pull through cache rule for %s not valid: %s%s. Fix the credentials or the role "
            "(or set fail_on_invalid: false to only report it)."
            % (prefix, verdict["failure"] or "no reason given", "; the rule was written as asked" if result["changed"] else ""),
            result=output,
        )
    return output


def _write_rule(
    api: RegistryApi, action: str, want: dict[str, Any], target: dict[str, Any], current: dict[str, Any], registry_id: str | None, recreate: bool
) -> None:
    if action == "create":
        try:
            api.create_pull_through_cache_rule(rule_create_call(target, registry_id))
        except is_boto3_error_code("PullThroughCacheRuleAlreadyExistsException"):
            # the create landed once already (its answer was lost and the retry met it), or another run made the
            # rule meanwhile: converge the rule that is there
            live = rule_view(api.pull_through_cache_rule(want["ecr_repository_prefix"], registry_id))
            again, target = plan_rule(want, live or None, recreate)
            if again is not None and again != "create":
                _write_rule(api, again, want, target, live, registry_id, recreate)
    elif action == "update":
        api.update_pull_through_cache_rule(rule_update_call(want, current, registry_id))
    else:
        api.delete_pull_through_cache_rule(want["ecr_repository_prefix"], registry_id)
        try:
            api.create_pull_through_cache_rule(rule_create_call(target, registry_id))
        except AWS_ERRORS as e:
            # put the old rule back rather than leave the prefix without one
            try:
                api.create_pull_through_cache_rule(rule_create_call(current, registry_id))
            except AWS_ERRORS:
                raise RecreateFailed(
                    "ECR refused to create the new pull through cache rule for %s after the old one was deleted, and to create "
                    "the old one again: the prefix has no rule now" % want["ecr_repository_prefix"],
                    e,
                    {"after": {}, "rule": {}},
                ) from e
            raise RecreateFailed(
                "ECR refused to create the new pull through cache rule for %s; the old rule was put back as it was" % want["ecr_repository_prefix"],
                e,
                {"after": _fields(current, RULE_FIELDS), "rule": current},
            ) from e


def template_lifecycle(params: dict[str, Any]) -> dict[str, Any] | None:
    """The lifecycle policy a template is to hold: a validated document, {} to remove it (an empty
    ``lifecycle_rules``), None to leave it."""
    rules, document = params.get("lifecycle_rules"), params.get("lifecycle_policy")
    if rules is None and document is None:
        return None
    if rules is not None and document is not None:
        raise InputError("lifecycle_rules, lifecycle_policy: give one of them, not both")
    if rules == []:
        return {}
    return lifecycle_want(rules, document, rules_option="lifecycle_rules", policy_option="lifecycle_policy")


def template_want(api: RegistryApi, params: dict[str, Any]) -> dict[str, Any]:
    """A template's options checked (check_template), its lifecycle policy as ``lifecycle`` (template_lifecycle)
    and a KMS key given by alias or id as its ARN (a KMS lookup)."""
    want = check_template(params)
    want["lifecycle"] = template_lifecycle(params) if params["state"] == "present" else None
    if params["state"] == "present" and want.get("encryption_type") in KMS_ENCRYPTION_TYPES:
        key = want.get("kms_key")
        if key == MANAGED_KMS_ALIAS:
            want["kms_key"] = None
        elif key and needs_kms_lookup(key):
            arn = api.kms_key_arn(key)
            if arn is None:
                raise InputError("kms_key: KMS has no key %r in this region and account; give an existing alias, key id or key ARN" % key)
            want["kms_key"] = arn
    return want


def plan_template(want: dict[str, Any], state: str, current: dict[str, Any]) -> dict[str, Any]:
    """A checked template ``want`` (template_want) against the live template's view ``current`` ({} for none):
    changed, action, changes (the options that change), before, after, template, and the ``target`` to write."""
    prefix, lifecycle = want["prefix"], want["lifecycle"]
    result: dict[str, Any] = {"changed": False, "action": None, "changes": [], "before": _fields(current, TEMPLATE_FIELDS), "want": want}
    if state == "absent":
        if current:
            result.update(changed=True, action="delete")
        result["after"], result["template"] = {}, {}
        return result
    if not current and not want.get("applied_for"):
        raise InputError("applied_for: required to create the template for %s; give one or more of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH" % prefix)
    target = template_target(want, current or None, lifecycle)
    changes = template_changes(current, target) if current else [key for key in TEMPLATE_FIELDS if key != "prefix" and target.get(key) not in (None, [], {})]
    if current and not changes:
        result.update(after=_fields(current, TEMPLATE_FIELDS), template=current)
        return result
    result.update(changed=True, action="update" if current else "create", changes=sorted(changes), target=target)
    result.update(after=_fields(target, TEMPLATE_FIELDS), template=dict(current, **target) if current else target)
    return result


def write_template(api: RegistryApi, plan: dict[str, Any]) -> dict[str, Any]:
    """The calls of a plan that changes (create, update, delete), then the template read again."""
    want = plan["want"]
    prefix = want["prefix"]
    if plan["action"] == "delete":
        api.delete_repository_creation_template(prefix)
        return plan
    if plan["action"] == "update":
        api.update_repository_creation_template(template_call(plan["target"]))
    else:
        try:
            api.create_repository_creation_template(template_call(plan["target"]))
        except is_boto3_error_code("TemplateAlreadyExistsException"):
            # the create landed once already (its answer was lost and the retry met it), or another run made the
            # template meanwhile: converge the template that is there
            live = template_view(api.repository_creation_template(prefix))
            target = template_target(want, live or None, want["lifecycle"])
            if not live or template_changes(live, target):
                api.update_repository_creation_template(template_call(target))
    fresh = template_view(api.repository_creation_template(prefix))
    plan.update(after=_fields(fresh, TEMPLATE_FIELDS), template=fresh)
    return plan


def converge_repository_creation_template(module: Any) -> dict[str, Any]:
    """ecr_repository_creation_template: returns changed, action, changes (the options that change), before,
    after (option-word dicts, {} for no template) and template (the full view after)."""
    api = RegistryApi(module)
    want = template_want(api, module.params)
    plan = plan_template(want, module.params["state"], template_view(api.repository_creation_template(want["prefix"])))
    if plan["changed"] and not module.check_mode:
        write_template(api, plan)
    return public_plan(plan)


def template_warning(template: dict[str, Any]) -> str | None:
    """The warning for a template with resource tags or a customer managed key and no role of the caller's."""
    if not template or template.get("custom_role_arn"):
        return None
    needs = [what for what, present in (("resource tags", template.get("tags")), ("a customer managed KMS key", template.get("kms_key"))) if present]
    if not needs:
        return None
    return "The repository creation template for %s has %s but no custom_role_arn; ECR needs a role of yours to create repositories with them." % (
        template.get("prefix"),
        " and ".join(needs),
    )


def creation_template_report(module: Any) -> dict[str, Any]:
    """ecr_repository_creation_template's result (its ``diff`` for diff mode); a template with resource tags or
    a customer managed key and no role of the caller's warns."""
    result = converge_repository_creation_template(module)
    template = result["template"]
    warning = template_warning(template)
    if warning:
        module.warn(warning)
    diff = {"before": result["before"], "after": result["after"]}
    return {"changed": result["changed"], "template": template, "operation": result["action"], "changes": result["changes"], "diff": diff}
