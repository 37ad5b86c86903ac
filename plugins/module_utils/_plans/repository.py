# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECR repositories: the plan that brings one to the requested settings, in the options' words.

Pure functions. The views they compare are made in ``_views.results``; ``_aws.ecr`` turns a plan into calls.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import KMS_ENCRYPTION_TYPES, MANAGED_KMS_ALIAS, WITH_EXCLUSION
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError


def is_key_arn(value: str | None) -> bool:
    if not value:
        return False
    return value.startswith("arn:") and ":key/" in value


def encryption_conflict(current: dict[str, Any], want: dict[str, Any], resolve: Callable[[str | None], str | None] | None = None) -> str | None:
    """Why the requested encryption differs from the repository's, or None when it matches.

    ``resolve`` turns a KMS alias, key id or ARN into the key ARN (KMS DescribeKey); it is
    only called when the two sides are not already the same key ARN.
    """
    wanted_type = want.get("encryption_type")
    if wanted_type is None:
        return None
    if wanted_type != current["encryption_type"]:
        return "encryption_type is %s on the repository and %s in the task" % (current["encryption_type"], wanted_type)
    if wanted_type not in KMS_ENCRYPTION_TYPES:
        return None
    have, wanted = current.get("kms_key"), want.get("kms_key")
    if wanted is None or have == wanted:
        # an omitted kms_key leaves the key unchecked, as any omitted option
        return None
    if not (is_key_arn(have) and is_key_arn(wanted)) and resolve is not None:
        resolved = resolve(wanted)
        if resolved is not None and resolved == resolve(have):
            return None
    return "kms_key is %s on the repository and %s in the task" % (have, wanted)


def target_mutability(current: dict[str, Any] | None, want: dict[str, Any]) -> tuple[str | None, list[str] | None]:
    """The image tag mutability and exclusion filters to put, or (None, None) to leave them."""
    mutability = want.get("image_tag_mutability")
    filters = want.get("image_tag_mutability_exclusion_filters")
    if mutability is None:
        return None, None
    if mutability in WITH_EXCLUSION and filters is None:
        kept = (current or {}).get("image_tag_mutability_exclusion_filters") or []
        if not kept:
            raise InputError(
                "image_tag_mutability_exclusion_filters: image_tag_mutability %s needs 1 to 5 wildcard filters "
                "(tags that match are exempt), and the repository has none to keep" % mutability
            )
        filters = list(kept)
    return mutability, filters


def plan_create(want: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new repository's settings, as the task asks them (None: ECR's default), and the repository as it
    will be. ``_aws.ecr.create_call`` makes the CreateRepository call of the first."""
    mutability, filters = target_mutability(None, want)
    create: dict[str, Any] = {
        "name": want["name"],
        "registry_id": want.get("registry_id") or None,
        "image_tag_mutability": mutability,
        "image_tag_mutability_exclusion_filters": list(filters or []),
        "scan_on_push": want.get("scan_on_push"),
        "encryption_type": want.get("encryption_type"),
        # without a key ECR uses (and if need be creates) the AWS managed key
        "kms_key": want["kms_key"] if want.get("kms_key") and want["kms_key"] != MANAGED_KMS_ALIAS else None,
        "tags": dict(want.get("tags") or {}),
    }
    after = {
        "name": want["name"],
        "arn": None,
        "registry_id": want.get("registry_id"),
        "uri": None,
        "created_at": None,
        "image_tag_mutability": mutability or "MUTABLE",
        "image_tag_mutability_exclusion_filters": list(filters or []),
        "scan_on_push": bool(want.get("scan_on_push")),
        "encryption_type": want.get("encryption_type") or "AES256",
        "kms_key": want.get("kms_key"),
        "tags": dict(want.get("tags") or {}),
        "policy": want.get("policy"),
    }
    return create, after


def plan_update(current: dict[str, Any], want: dict[str, Any]) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """The changes that bring an existing repository to the requested settings, and the result.

    Each change is (what, value) in the options' words: ("image_tag_mutability", {"mutability": ..,
    "filters": [..]}), ("scan_on_push", bool), ("tags_removed", [keys]), ("tags_set", {key: value}),
    ("policy", document), ("policy_removed", None); ``_aws.ecr.change_call`` makes each one call.
    Settings the task leaves out are not touched. Encryption is checked apart
    (``encryption_conflict``): it cannot be changed in place.
    """
    after = dict(current)
    changes: list[tuple[str, Any]] = []

    mutability, filters = target_mutability(current, want)
    if mutability is not None:
        filters = filters or []
        if mutability != current["image_tag_mutability"] or sorted(filters) != sorted(current["image_tag_mutability_exclusion_filters"]):
            changes.append(("image_tag_mutability", {"mutability": mutability, "filters": list(filters)}))
            after["image_tag_mutability"] = mutability
            after["image_tag_mutability_exclusion_filters"] = list(filters)

    scan = want.get("scan_on_push")
    if scan is not None and scan != current["scan_on_push"]:
        changes.append(("scan_on_push", scan))
        after["scan_on_push"] = scan

    if want.get("tags") is not None:
        current_tags = current.get("tags") or {}
        to_set, to_unset = compare_aws_tags(current_tags, want["tags"], purge_tags=want.get("purge_tags", True))
        if to_unset:
            changes.append(("tags_removed", sorted(to_unset)))
        if to_set:
            changes.append(("tags_set", dict(sorted(to_set.items()))))
        tags = {k: v for k, v in current_tags.items() if k not in to_unset}
        tags.update(to_set)
        after["tags"] = tags

    if want.get("policy") is not None:
        if current.get("policy") is None or compare_policies(current["policy"], want["policy"]):
            changes.append(("policy", want["policy"]))
            after["policy"] = want["policy"]
    elif want.get("purge_policy") and current.get("policy") is not None:
        changes.append(("policy_removed", None))
        after["policy"] = None
    return changes, after
