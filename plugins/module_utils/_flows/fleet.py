# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many repositories in one module run (ecr_repositories): each item merged over the defaults and
checked before any call, then converged on its own, its failure reported on it."""

from __future__ import annotations

from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import typed_rules
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_registry_id
from ansible_collections.stowage.ecr.plugins.module_utils._flows.preview import check_preview_options, preview_diff
from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import (
    UNREAD,
    converge_lifecycle,
    converge_repository,
    guard_lifecycle,
    lifecycle_want,
    repository_want,
)
from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import settings_defaults
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, LookupFailed, PolicyError, ResultFailed, failure_message

BUILTIN = {"state": "present", **settings_defaults(), "force_delete": False, "preview": False, "max_expiring": None}


def plan(items: list[dict[str, Any]], defaults: dict[str, Any], registry_id: str | None) -> list[dict[str, Any]]:
    """Each item merged over the defaults and checked; raises InputError/PolicyError before any call."""
    seen: set[str] = set()
    wants: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = "repositories[%s]: " % (item.get("name") or index)
        merged = dict(BUILTIN)
        merged.update({k: v for k, v in defaults.items() if v is not None})
        merged.update({k: v for k, v in item.items() if v is not None})
        merged["registry_id"] = registry_id
        if merged["name"] in seen:
            raise InputError("%snames the same repository as an earlier item; give each repository once" % where)
        seen.add(merged["name"])
        want = repository_want(merged, where=where)
        rules, document = merged.pop("lifecycle_rules", None), merged.pop("lifecycle_policy", None)
        check_preview_options(merged.get("max_expiring"), option=where + "max_expiring")
        if rules is not None and document is not None:
            raise InputError("%slifecycle_rules, lifecycle_policy: give one of them, not both" % where)
        want["lifecycle"] = "leave"
        if want["state"] == "present" and (rules is not None or document is not None):
            if rules == []:
                want["lifecycle"] = None
            else:
                want["lifecycle"] = lifecycle_want(rules, document, rules_option=where + "lifecycle_rules", policy_option=where + "lifecycle_policy")
        wants.append(want)
    return wants


def converge_one(api: EcrApi, want: dict[str, Any], raw: dict[str, Any] | None, check_mode: bool) -> dict[str, Any]:
    """One item's result: its repository and lifecycle policy converged, or why not (never raises)."""
    result: dict[str, Any] = {"name": want["name"], "changed": False, "created": False, "failed": False}
    try:
        # a lifecycle policy over its max_expiring fails the item before anything of it is written
        live, known = UNREAD, None
        if raw is not None and want["lifecycle"] != "leave":
            live, known = guard_lifecycle(api, want["name"], want["lifecycle"], want["max_expiring"])
        repo = converge_repository(api, want, check_mode, raw=raw, read_unmanaged=False)
        result["changed"] = repo["changed"]
        result["created"] = repo["created"]
        result["repository"] = repo["after"]
        before: dict[str, Any] = {"repository": repo["before"]}
        after: dict[str, Any] = {"repository": repo["after"]}
        if want["lifecycle"] != "leave":
            lifecycle = converge_lifecycle(
                api, want["name"], want["lifecycle"], check_mode, preview=want["preview"], max_expiring=want["max_expiring"], known_preview=known, live=live
            )
            result["changed"] = result["changed"] or lifecycle["changed"]
            result["lifecycle_policy"] = lifecycle["after"]
            # the same policy in the words of lifecycle_rules: [] for none, None when a rule has no typed form
            result["lifecycle_rules"] = [] if lifecycle["after"] is None else typed_rules(lifecycle["after"])
            before["lifecycle_policy"], after["lifecycle_policy"] = lifecycle["before"], lifecycle["after"]
            if "preview" in lifecycle:
                result["lifecycle_preview"] = lifecycle["preview"]
        if result["changed"]:
            result["diff"] = {"before_header": want["name"], "after_header": want["name"], "before": before, "after": after}
            if "lifecycle_preview" in result and result["lifecycle_policy"] != before.get("lifecycle_policy"):
                result["diff_preview"] = preview_diff(want["name"], result["lifecycle_preview"])
    except (InputError, PolicyError) as e:
        result.update(failed=True, msg=str(e))
    except LookupFailed as e:
        result.update(failed=True, msg="%s: %s" % (e, e.exception))
    except AWS_ERRORS as e:
        code = getattr(e, "response", {}).get("Error", {}).get("Code", type(e).__name__)
        result.update(failed=True, msg="%s: %s (%s)" % (failure_message(e, "ECR refused a call for repository %s" % want["name"]), e, code))
    return result


def fleet_report(module: Any) -> dict[str, Any]:
    """ecr_repositories' result (its ``diff`` for diff mode): every item converged, each failing on its own;
    when some failed, the task fails with the whole result (what the others did)."""
    params = module.params
    check_registry_id(params["registry_id"])
    if params["concurrency"] < 1:
        raise InputError("concurrency: %d is not accepted; give 1 or more" % params["concurrency"])
    wants = plan(params["repositories"], params["defaults"], params["registry_id"])
    api = EcrApi(module, registry_id=params["registry_id"], workers=params["concurrency"])
    found = api.describe_many([want["name"] for want in wants])
    results = api.parallel(lambda want: converge_one(api, want, found.get(want["name"]), module.check_mode), wants)
    diffs: list[Any] = []
    for result in results:
        diffs.extend(result.pop(key) for key in ("diff", "diff_preview") if key in result)
    output = {"changed": any(r["changed"] for r in results), "repositories": results, "diff": diffs}
    failed = [r for r in results if r["failed"]]
    if failed:
        raise ResultFailed(
            "%d of %d repositories failed: %s" % (len(failed), len(results), "; ".join("%s: %s" % (r["name"], r["msg"]) for r in failed[:5])),
            result=output,
        )
    return output
