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


def converge_pull_through_cache_rule(module: Any) -> dict[str, Any]:
    """ecr_pull_through_cache_rule: returns changed, action, before, after (option-word dicts, {} for no rule),
    rule (the full view after) and validation (None unless asked and possible)."""
    params = module.params
    api = RegistryApi(module)
    want = check_rule(params, region=api.region)
    prefix, registry_id = want["ecr_repository_prefix"], want.get("registry_id")
    current = rule_view(api.pull_through_cache_rule(prefix, registry_id))
    result: dict[str, Any] = {"changed": False, "action": None, "before": _fields(current, RULE_FIELDS), "validation": None}

    if params["state"] == "absent":
        if current:
            result.update(changed=True, action="delete")
            if not module.check_mode:
                api.delete_pull_through_cache_rule(prefix, registry_id)
        result["after"], result["rule"] = {}, {}
        return result

    action, target = plan_rule(want, current or None, bool(params.get("recreate")))
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
    result["action"] = action
    if action is None:
        result.update(after=_fields(current, RULE_FIELDS), rule=current)
    elif module.check_mode:
        result.update(changed=True, after=_fields(target, RULE_FIELDS), rule=dict(target, registry_id=registry_id or current.get("registry_id")))
    else:
        try:
            _write_rule(api, action, want, target, current, registry_id, bool(params.get("recreate")))
        except RecreateFailed as e:
            raise RecreateFailed(str(e), e.exception, rule_output(dict(result, changed=True, **e.result))) from e.exception
        # written: a failure from here on says so
        result.update(changed=True, after=_fields(target, RULE_FIELDS), rule=dict(target, registry_id=registry_id or current.get("registry_id")))
        try:
            fresh = rule_view(api.pull_through_cache_rule(prefix, registry_id))
        except AWS_ERRORS as e:
            raise PartialFailure(e, rule_output(result)) from e
        result.update(after=_fields(fresh, RULE_FIELDS), rule=fresh)

    if params.get("validate"):
        if module.check_mode and action is not None:
            result["validation"] = None  # there is no rule yet (or not the one asked for) to validate
        else:
            try:
                verdict = api.validate_pull_through_cache_rule(prefix, registry_id)
            except AWS_ERRORS as e:
                if result["changed"] and not module.check_mode:
                    raise PartialFailure(e, rule_output(result)) from e
                raise
            result["validation"] = {"is_valid": bool(verdict.get("isValid")), "failure": verdict.get("failure") or None}
    return result


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


def converge_repository_creation_template(module: Any) -> dict[str, Any]:
    """ecr_repository_creation_template: returns changed, action, changes (the options that change), before,
    after (option-word dicts, {} for no template) and template (the full view after)."""
    params = module.params
    want = check_template(params)
    prefix = want["prefix"]
    lifecycle = template_lifecycle(params) if params["state"] == "present" else None
    api = RegistryApi(module)
    if params["state"] == "present" and want.get("encryption_type") in KMS_ENCRYPTION_TYPES:
        key = want.get("kms_key")
        if key == MANAGED_KMS_ALIAS:
            want["kms_key"] = None
        elif key and needs_kms_lookup(key):
            arn = api.kms_key_arn(key)
            if arn is None:
                raise InputError("kms_key: KMS has no key %r in this region and account; give an existing alias, key id or key ARN" % key)
            want["kms_key"] = arn
    current = template_view(api.repository_creation_template(prefix))
    result: dict[str, Any] = {"changed": False, "action": None, "changes": [], "before": _fields(current, TEMPLATE_FIELDS)}

    if params["state"] == "absent":
        if current:
            result.update(changed=True, action="delete")
            if not module.check_mode:
                api.delete_repository_creation_template(prefix)
        result["after"], result["template"] = {}, {}
        return result

    if not current and not want.get("applied_for"):
        raise InputError("applied_for: required to create the template for %s; give one or more of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH" % prefix)
    target = template_target(want, current or None, lifecycle)
    changes = template_changes(current, target) if current else [key for key in TEMPLATE_FIELDS if key != "prefix" and target.get(key) not in (None, [], {})]
    if current and not changes:
        result.update(after=_fields(current, TEMPLATE_FIELDS), template=current)
        return result
    result.update(changed=True, action="update" if current else "create", changes=sorted(changes))
    if module.check_mode:
        result.update(after=_fields(target, TEMPLATE_FIELDS), template=dict(current, **target) if current else target)
        return result
    if current:
        api.update_repository_creation_template(template_call(target))
    else:
        try:
            api.create_repository_creation_template(template_call(target))
        except is_boto3_error_code("TemplateAlreadyExistsException"):
            # the create landed once already (its answer was lost and the retry met it), or another run made the
            # template meanwhile: converge the template that is there
            live = template_view(api.repository_creation_template(prefix))
            target = template_target(want, live or None, lifecycle)
            if not live or template_changes(live, target):
                api.update_repository_creation_template(template_call(target))
    fresh = template_view(api.repository_creation_template(prefix))
    result.update(after=_fields(fresh, TEMPLATE_FIELDS), template=fresh)
    return result


def creation_template_report(module: Any) -> dict[str, Any]:
    """ecr_repository_creation_template's result (its ``diff`` for diff mode); a template with resource tags or
    a customer managed key and no role of the caller's warns."""
    prefix = module.params["prefix"]
    result = converge_repository_creation_template(module)
    template = result["template"]
    if template and not template.get("custom_role_arn"):
        needs = [what for what, present in (("resource tags", template.get("tags")), ("a customer managed KMS key", template.get("kms_key"))) if present]
        if needs:
            module.warn(
                "The repository creation template for %s has %s but no custom_role_arn; ECR needs a role of yours to create "
                "repositories with them." % (prefix, " and ".join(needs))
            )
    diff = {"before": result["before"], "after": result["after"]}
    return {"changed": result["changed"], "template": template, "operation": result["action"], "changes": result["changes"], "diff": diff}
