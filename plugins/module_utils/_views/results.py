# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where AWS shapes become the snake_case views the modules return.

``_aws`` returns what AWS returns; the modules return these views. A view names the settings
the way the modules' options do (``name``, ``scan_on_push``, ``kms_key``, ...), and passes every
other field of the AWS shape through in snake_case (amazon.aws's camel_dict_to_snake_dict), so
that a field AWS adds shows up without a change here. Pure functions.
"""

from __future__ import annotations

import datetime
from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

# the DescribeRepositories fields that the view gives under the options' names
RENAMED = (
    "repositoryName",
    "repositoryArn",
    "registryId",
    "repositoryUri",
    "createdAt",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "imageScanningConfiguration",
    "encryptionConfiguration",
)


def plain(value: Any) -> Any:
    """``value`` with every datetime as an ISO 8601 string (what a module can return)."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def tags_view(aws_tags: list[dict[str, str]] | None) -> dict[str, str]:
    """ListTagsForResource's ``[{"Key": .., "Value": ..}]`` as a dict."""
    return boto3_tag_list_to_ansible_dict(aws_tags or [])


def repository_view(raw: dict[str, Any], tags: dict[str, str] | None = None, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    """The snake_case view of a DescribeRepositories entry, with its tags and policy as dicts."""
    encryption = raw.get("encryptionConfiguration") or {}
    view = plain(camel_dict_to_snake_dict({k: v for k, v in raw.items() if k not in RENAMED}))
    view.update(
        {
            "name": raw.get("repositoryName"),
            "arn": raw.get("repositoryArn"),
            "registry_id": raw.get("registryId"),
            "uri": raw.get("repositoryUri"),
            "created_at": plain(raw.get("createdAt")),
            "image_tag_mutability": raw.get("imageTagMutability", "MUTABLE"),
            "image_tag_mutability_exclusion_filters": [f.get("filter") for f in raw.get("imageTagMutabilityExclusionFilters") or []],
            "scan_on_push": bool((raw.get("imageScanningConfiguration") or {}).get("scanOnPush", False)),
            "encryption_type": encryption.get("encryptionType", "AES256"),
            "kms_key": encryption.get("kmsKey"),
            "tags": tags if tags is not None else {},
            "policy": policy,
        }
    )
    return view


def repository_scanning_view(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """A repository's scanning configuration (BatchGetRepositoryScanningConfiguration) in snake_case:
    ``scan_on_push``, ``scan_frequency``, the registry rules' ``applied_scan_filters`` that select it (fields AWS
    adds pass through); the repository's name and ARN are left to the repository itself."""
    if config is None:
        return None
    view = plain(camel_dict_to_snake_dict({k: v for k, v in config.items() if k not in ("repositoryArn", "repositoryName")}))
    view.setdefault("applied_scan_filters", [])
    return view


def settings_view(view: dict[str, Any], rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A repository's view (``repository_view`` with ``lifecycle_policy``) as an item of ecr_repositories'
    ``repositories``: converging it changes nothing. The state is written out whole: every tag (with
    purge_tags), no policy as purge_policy, no lifecycle policy as an empty lifecycle_rules; the lifecycle
    policy as the typed ``rules`` when they say it exactly (lifecycle.typed_rules), else as AWS's JSON."""
    item: dict[str, Any] = {"name": view["name"], "image_tag_mutability": view["image_tag_mutability"]}
    if view.get("image_tag_mutability_exclusion_filters"):
        item["image_tag_mutability_exclusion_filters"] = sorted(view["image_tag_mutability_exclusion_filters"])
    item["scan_on_push"] = view["scan_on_push"]
    item["encryption_type"] = view["encryption_type"]
    if view.get("kms_key"):
        item["kms_key"] = view["kms_key"]
    # tags under aws: belong to AWS: they are kept by purge_tags and cannot be set
    item["tags"] = {k: v for k, v in sorted((view.get("tags") or {}).items()) if not k.startswith("aws:")}
    return exact_policies(item, view, rules)


def exact_policies(item: dict[str, Any], view: dict[str, Any], rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``item`` (with its tags) given the purge_tags and the policies of ``view`` that make converging it exact: the
    policy, or purge_policy when there is none; the lifecycle policy as the typed ``rules`` when they say it exactly,
    else as AWS's JSON, or an empty lifecycle_rules when there is none."""
    item["purge_tags"] = True
    if view.get("policy") is not None:
        item["policy"] = view["policy"]
    else:
        item["purge_policy"] = True
    lifecycle = view.get("lifecycle_policy")
    if lifecycle is None:
        item["lifecycle_rules"] = []
    elif rules is not None:
        item["lifecycle_rules"] = rules
    else:
        item["lifecycle_policy"] = lifecycle
    return item


def image_view(detail: dict[str, Any]) -> dict[str, Any]:
    """The snake_case view of a DescribeImages entry: every field AWS gives, times as ISO 8601."""
    view = plain(camel_dict_to_snake_dict(detail))
    view["image_tags"] = list(detail.get("imageTags") or [])
    return view


# registry-level settings -------------------------------------------------------------------------


def replication_rules_view(rules: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """ReplicationRule shapes in the ecr_replication options' words: destinations (region, registry_id),
    repository_filters (filter, filter_type), delete_replication (a bool) and any field AWS adds."""
    views = []
    for rule in rules or []:
        view = plain(camel_dict_to_snake_dict({k: v for k, v in rule.items() if k != "deleteReplication"}))
        view.setdefault("repository_filters", [])
        view["delete_replication"] = bool((rule.get("deleteReplication") or {}).get("enabled", False))
        views.append(view)
    return views


def scanning_view(config: dict[str, Any] | None) -> dict[str, Any]:
    """A RegistryScanningConfiguration as scan_type and rules (scan_frequency, repository_filters)."""
    view = plain(camel_dict_to_snake_dict(config or {}))
    view.setdefault("scan_type", "BASIC")
    view.setdefault("rules", [])
    return view


def signing_rules_view(rules: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """SigningRule shapes as signing_profile_arn and repository_filters (filter, filter_type); None stays None."""
    if rules is None:
        return None
    views = []
    for rule in rules:
        view = plain(camel_dict_to_snake_dict(rule))
        view.setdefault("repository_filters", [])
        views.append(view)
    return views


def pull_through_cache_rule_view(raw: dict[str, Any] | None) -> dict[str, Any]:
    """A DescribePullThroughCacheRules entry in the ecr_pull_through_cache_rule options' words ({} for none):
    ecr_repository_prefix, upstream_registry_url, upstream_registry, credential_arn, custom_role_arn,
    upstream_repository_prefix, registry_id, created_at, updated_at and any field AWS adds."""
    if not raw:
        return {}
    view = plain(camel_dict_to_snake_dict(raw))
    for key in ("credential_arn", "custom_role_arn", "upstream_repository_prefix", "upstream_registry"):
        view.setdefault(key, None)
    return view


def repository_creation_template_view(raw: dict[str, Any] | None) -> dict[str, Any]:
    """A RepositoryCreationTemplate in the ecr_repository_creation_template options' words ({} for none): prefix,
    description, applied_for, image_tag_mutability (+ _exclusion_filters), encryption_type, kms_key, tags (a dict),
    policy and lifecycle_policy (dicts), custom_role_arn, created_at, updated_at and any field AWS adds."""
    if not raw:
        return {}
    renamed = (
        "encryptionConfiguration",
        "resourceTags",
        "imageTagMutabilityExclusionFilters",
        "repositoryPolicy",
        "lifecyclePolicy",
        "appliedFor",
    )
    view = plain(camel_dict_to_snake_dict({k: v for k, v in raw.items() if k not in renamed}))
    encryption = raw.get("encryptionConfiguration") or {}
    view.update(
        {
            "description": raw.get("description") or None,
            "applied_for": sorted(raw.get("appliedFor") or []),
            "image_tag_mutability": raw.get("imageTagMutability") or "MUTABLE",
            "image_tag_mutability_exclusion_filters": sorted(f.get("filter") for f in raw.get("imageTagMutabilityExclusionFilters") or []),
            "encryption_type": encryption.get("encryptionType") or "AES256",
            "kms_key": encryption.get("kmsKey") or None,
            "tags": tags_view(raw.get("resourceTags")),
            "policy": _json_or_text(raw.get("repositoryPolicy")),
            "lifecycle_policy": _json_or_text(raw.get("lifecyclePolicy")),
            "custom_role_arn": raw.get("customRoleArn") or None,
        }
    )
    return view


def _json_or_text(text: str | None) -> Any:
    """A policy text as a dict (None for none; a text that is no JSON stays text)."""
    import json  # noqa: PLC0415 (this section is appended to a file of other views)

    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def scan_findings_view(response: dict[str, Any]) -> dict[str, Any]:
    """The snake_case view of a DescribeImageScanFindings answer: its status, the summary fields of
    ``imageScanFindings`` at the top, the findings (basic and enhanced) as lists. Severity names stay
    as AWS writes them (``finding_severity_counts`` keys are HIGH, CRITICAL, ...)."""
    findings = dict(response.get("imageScanFindings") or {})
    counts = dict(findings.pop("findingSeverityCounts", None) or {})
    view = plain(camel_dict_to_snake_dict({k: v for k, v in response.items() if k not in ("imageScanFindings", "ResponseMetadata", "nextToken")}))
    view.update(plain(camel_dict_to_snake_dict(findings)))
    view["finding_severity_counts"] = counts
    view.setdefault("findings", [])
    view.setdefault("enhanced_findings", [])
    return view


def image_detail_view(detail: dict[str, Any]) -> dict[str, Any]:
    """``image_view`` of a DescribeImages entry, with the scan summary's severity names as AWS writes
    them (HIGH, CRITICAL, ...: map keys, not field names) and the image status AWS implies when it
    gives none (ACTIVE)."""
    view = image_view(detail)
    summary = detail.get("imageScanFindingsSummary")
    if summary and "findingSeverityCounts" in summary:
        view["image_scan_findings_summary"]["finding_severity_counts"] = dict(summary["findingSeverityCounts"] or {})
    view.setdefault("image_status", "ACTIVE")
    return view


def image_referrer_view(referrer: dict[str, Any]) -> dict[str, Any]:
    """The snake_case view of a ListImageReferrers entry (``digest``, ``media_type``, ``artifact_type``, ``size``,
    ``artifact_status``, ...); the annotations' keys stay as the manifest writes them."""
    return dict(plain(camel_dict_to_snake_dict(referrer, ignore_list=["annotations"])))


def image_signing_status_view(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    """The snake_case view of a DescribeImageSigningStatus answer, without the repository, registry and image it
    names (the image's view has them): ``signing_statuses`` and whatever AWS adds; None stays None."""
    if answer is None:
        return None
    view = dict(plain(camel_dict_to_snake_dict({k: v for k, v in answer.items() if k not in ("repositoryName", "registryId", "imageId", "ResponseMetadata")})))
    view.setdefault("signing_statuses", [])
    return view


def registry_policy_view(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """GetRegistryPolicy's policyText as a dict; None when the registry has no policy."""
    import json  # noqa: PLC0415 (this section is appended to a file of other views)

    if not found or not found.get("policyText"):
        return None
    policy: dict[str, Any] = json.loads(found["policyText"])
    return policy


# replication backfills ---------------------------------------------------------------------------


def backfill_view(destination: dict[str, str], summary: dict[str, Any] | None) -> dict[str, Any]:
    """One destination (``region``, ``registry_id``) with its backfill (a ListReplicationBackfills summary or
    StartReplicationBackfill's answer) in snake_case: ``id``, ``status``, ``progress``, ``started_at``,
    ``ended_at``, ``failure_code`` and whatever AWS adds; ``id`` and ``status`` None when it has none."""
    view: dict[str, Any] = {"region": destination["region"], "registry_id": destination["registryId"], "id": None, "status": None}
    if summary:
        fields = plain(camel_dict_to_snake_dict({k: v for k, v in summary.items() if k not in ("destination", "registryId", "replicationBackfillId")}))
        view.update(fields, id=summary.get("replicationBackfillId"))
    return view


def backfill_results_counts(answer: dict[str, Any] | None) -> dict[str, int]:
    """The per-image results of DescribeReplicationBackfillResults counted by status (``complete``, ``failed``)."""
    counts = {"complete": 0, "failed": 0}
    for found in (answer or {}).get("results") or []:
        key = str(found.get("status", "")).lower()
        counts[key] = counts.get(key, 0) + 1
    return counts
