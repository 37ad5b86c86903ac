# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which images a lifecycle policy would expire or transition: locally (``lifecycle_eval`` on the
repository's images) or by AWS's own preview (StartLifecyclePolicyPreview, then
GetLifecyclePolicyPreview polled). Both give the same shape. Never writes a policy.
"""

from __future__ import annotations

import datetime
import time
from typing import Any, Callable

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import policy_text
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_registry_id, check_repository_name
from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import applied_order, as_time, evaluate, worst_rule
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import image_view, plain
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, PreviewFailed


def local_preview(api: EcrApi, repository: str, policy: dict[str, Any], as_of: Any = None) -> dict[str, Any]:
    """The evaluator's answer on the repository's images (DescribeImages, 1000 to a call)."""
    images = [image_view(detail) for detail in api.describe_images(repository)]
    result = evaluate(policy, images, as_of)
    result["source"] = "local"
    return result


def aws_preview(
    api: EcrApi,
    repository: str,
    policy: dict[str, Any],
    wait_timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """AWS's preview of ``policy`` on the repository, polled until it completes (``wait_timeout`` seconds at most)."""
    status, results = api.lifecycle_policy_preview(repository, policy_text(policy), wait_timeout, sleep=sleep, clock=clock)
    if status in ("FAILED", "EXPIRED"):
        raise PreviewFailed("AWS's lifecycle policy preview of %s ended %s" % (repository, status))
    if status != "COMPLETE":
        raise PreviewFailed("AWS's lifecycle policy preview of %s did not complete within wait_timeout %ss" % (repository, wait_timeout))
    expiring = sorted((_aws_entry(entry) for entry in results), key=lambda e: (e["image_pushed_at"] or "", e["image_digest"]))
    evaluated = len(api.describe_images(repository))
    rules = []
    # in the order the rules are applied, as the local evaluator lists them
    for rule in applied_order(policy):
        acted = [e for e in expiring if e["rule_priority"] == rule.get("rulePriority")]
        action = (rule.get("action") or {}).get("type", "expire")
        rules.append(
            {"rule_priority": rule.get("rulePriority"), "description": rule.get("description"), "action": action, "selected": None, "acted_on": len(acted)}
        )
    return {"expiring": expiring, "rules": rules, "evaluated": evaluated, "kept": max(evaluated - len(expiring), 0), "source": "aws"}


def _aws_entry(entry: dict[str, Any]) -> dict[str, Any]:
    action = entry.get("action") or {}
    target = action.get("targetStorageClass")
    return {
        "image_digest": entry.get("imageDigest"),
        "image_tags": list(entry.get("imageTags") or []),
        "image_pushed_at": plain(entry.get("imagePushedAt")),
        "rule_priority": entry.get("appliedRulePriority"),
        "action": str(action.get("type") or "EXPIRE").lower(),
        "target_storage_class": str(target).lower() if target else None,
    }


def check_max_expiring(result: dict[str, Any], max_expiring: int | None, repository: str) -> None:
    """Refuse (InputError) a policy that would expire more than ``max_expiring`` images right away."""
    if max_expiring is None:
        return
    count = sum(1 for entry in result["expiring"] if entry["action"] == "expire")
    if count > max_expiring:
        worst = worst_rule(result) or {}
        raise InputError(
            "max_expiring: the lifecycle policy would expire %d images of %s right away, more than max_expiring %d "
            "(rule %s expires %d of them%s). Nothing was written; raise max_expiring or change the rules."
            % (
                count,
                repository,
                max_expiring,
                worst.get("rule_priority"),
                worst.get("acted_on", 0),
                ": %s" % worst["description"] if worst.get("description") else "",
            )
        )


def preview_diff(repository: str, result: dict[str, Any]) -> dict[str, Any]:
    """A diff entry that lists, as added lines, the images the policy acts on now."""
    lines = []
    for entry in result["expiring"]:
        what = entry["action"] if entry["action"] == "expire" else "%s to %s" % (entry["action"], entry["target_storage_class"])
        lines.append(
            "%s %s [%s] pushed %s (rule %s)"
            % (what, entry["image_digest"], ", ".join(entry["image_tags"]) or "untagged", entry["image_pushed_at"], entry["rule_priority"])
        )
    header = "%s: images the lifecycle policy acts on now (%d of %d)" % (repository, len(result["expiring"]), result["evaluated"])
    return {"before_header": header, "after_header": header, "before": "", "after": "".join(line + "\n" for line in lines)}


def check_preview_options(max_expiring: Any, option: str = "max_expiring") -> None:
    if max_expiring is not None and max_expiring < 0:
        raise InputError("%s: %d is negative; give the number of images (0 or more) a policy may expire right away" % (option, max_expiring))


def preview_report(make_api: Callable[[], EcrApi], params: dict[str, Any], desired: dict[str, Any] | None) -> dict[str, Any]:
    """ecr_lifecycle_preview's result: ``desired`` (a validated policy), or the live policy when it is None,
    evaluated on the repository's images. Every option is checked before the first call."""
    repository = params["repository"]
    check_repository_name(repository, option="repository")
    check_registry_id(params["registry_id"])
    try:
        as_of = as_time(params["as_of"]) if params["as_of"] else None
    except ValueError:
        raise InputError("as_of: %r is not an ISO 8601 time; give for example 2026-12-31T00:00:00Z" % params["as_of"]) from None
    if params["source"] == "aws" and as_of is not None:
        raise InputError("as_of: AWS's preview (source: aws) evaluates now only; leave as_of out, or use source: local")
    if params["wait_timeout"] <= 0:
        raise InputError("wait_timeout: give a number of seconds above 0, got %d" % params["wait_timeout"])
    api = make_api()
    when = as_of or datetime.datetime.now(datetime.timezone.utc)
    policy = desired
    if policy is None:
        try:
            policy = api.lifecycle_policy(repository)
        except is_boto3_error_code("RepositoryNotFoundException"):
            raise InputError("repository: %s does not exist%s" % (repository, " in registry %s" % api.registry_id if api.registry_id else "")) from None
    if policy is None:
        result = evaluate({"rules": []}, [image_view(d) for d in api.describe_images(repository)], when)
        result["source"] = params["source"]
    elif params["source"] == "aws":
        result = aws_preview(api, repository, policy, params["wait_timeout"])
    else:
        result = local_preview(api, repository, policy, when)
    result.update(policy=policy, as_of=when.isoformat())
    return result
