# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where AWS shapes become the snake_case views the modules return.

``ecr_api`` returns what AWS returns; the modules return these views. A view names the settings
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


def image_view(detail: dict[str, Any]) -> dict[str, Any]:
    """The snake_case view of a DescribeImages entry: every field AWS gives, times as ISO 8601."""
    view = plain(camel_dict_to_snake_dict(detail))
    view["image_tags"] = list(detail.get("imageTags") or [])
    return view
