# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of the registry-level configurations, declared once: their argument spec and the enum
values ECR accepts in them (the checks in _checks.registry use the values too).

Each rule kind is the ``rules`` option of its module: REPLICATION_RULES (ecr_replication), SCANNING_RULES
(ecr_registry_scanning) and SIGNING_RULES (ecr_signing_configuration), documented by the doc fragment
``stowage.ecr.registry_rules`` (its REPLICATION, SCANNING and SIGNING parts);
tests/unit/module_utils/_spec/test_spec.py keeps each part equal to its piece.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import settings_spec
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case

Spec = dict[str, dict[str, Any]]

REPLICATION_FILTER_TYPES = ("PREFIX_MATCH",)
SCAN_TYPES = ("BASIC", "ENHANCED")
SCAN_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL")
SCANNING_FILTER_TYPES = ("WILDCARD",)
SIGNING_FILTER_TYPES = ("WILDCARD_MATCH",)
# the UpstreamRegistry enum of the model (tests/unit/module_utils/_checks/test_registry_rules.py compares)
UPSTREAM_REGISTRIES = (
    "ecr",
    "ecr-public",
    "quay",
    "k8s",
    "docker-hub",
    "github-container-registry",
    "azure-container-registry",
    "gitlab-container-registry",
    "chainguard",
)
APPLIED_FOR = ("REPLICATION", "PULL_THROUGH_CACHE", "CREATE_ON_PUSH")
# the repository settings that a template holds; scan_on_push is not one (the registry's scanning configuration decides)
TEMPLATE_SETTINGS = (
    "image_tag_mutability",
    "image_tag_mutability_exclusion_filters",
    "encryption_type",
    "kms_key",
    "tags",
    "purge_tags",
    "policy",
    "purge_policy",
)


def _filters(types: tuple[str, ...], required: bool = False) -> dict[str, Any]:
    """The ``repository_filters`` of a rule: each a filter and its type (ECR knows one type a kind)."""
    option: dict[str, Any] = {
        "type": "list",
        "elements": "dict",
        "options": {"filter": {"type": "str", "required": True}, "filter_type": {"type": "str", "default": types[0], "choices": any_case(types)}},
    }
    if required:
        option["required"] = True
    return option


REPLICATION_RULE_OPTIONS: Spec = {
    "destinations": {
        "type": "list",
        "elements": "dict",
        "required": True,
        "options": {"region": {"type": "str", "required": True}, "registry_id": {"type": "str"}},
    },
    "repository_filters": _filters(REPLICATION_FILTER_TYPES),
    "delete_replication": {"type": "bool"},
}
SCANNING_RULE_OPTIONS: Spec = {
    "scan_frequency": {"type": "str", "required": True, "choices": any_case(SCAN_FREQUENCIES)},
    "repository_filters": _filters(SCANNING_FILTER_TYPES, required=True),
}
SIGNING_RULE_OPTIONS: Spec = {
    "signing_profile_arn": {"type": "str", "required": True},
    "repository_filters": _filters(SIGNING_FILTER_TYPES),
}

REPLICATION_RULES: Spec = {"rules": {"type": "list", "elements": "dict", "required": True, "options": REPLICATION_RULE_OPTIONS}}
SCANNING_RULES: Spec = {"rules": {"type": "list", "elements": "dict", "options": SCANNING_RULE_OPTIONS}}
SIGNING_RULES: Spec = {"rules": {"type": "list", "elements": "dict", "options": SIGNING_RULE_OPTIONS}}


def template_options() -> Spec:
    """The options of one repository creation template (ecr_repository_creation_template's, and each item of
    ecr_registry_baseline's ``repository_creation_templates``)."""
    options = {name: option for name, option in settings_spec().items() if name in TEMPLATE_SETTINGS}
    options["policy"]["aliases"] = ["repository_policy"]
    options.update(
        prefix={"type": "str", "required": True},
        applied_for={"type": "list", "elements": "str", "choices": any_case(APPLIED_FOR)},
        description={"type": "str"},
        lifecycle_rules={"type": "list", "elements": "dict"},
        lifecycle_policy={"type": "json"},
        custom_role_arn={"type": "str"},
        state={"type": "str", "default": "present", "choices": ["present", "absent"]},
    )
    return options


def rule_options(credential_no_log: bool = False) -> Spec:
    """The options of one pull through cache rule but its registry (ecr_pull_through_cache_rule's, and each item
    of ecr_registry_baseline's ``pull_through_cache_rules``, whose ``credential_arn`` is kept out of logs)."""
    return {
        "ecr_repository_prefix": {"type": "str", "required": True, "aliases": ["prefix"]},
        "upstream_registry_url": {"type": "str"},
        "upstream_registry": {"type": "str", "choices": any_case(UPSTREAM_REGISTRIES)},
        "credential_arn": {"type": "str", "no_log": credential_no_log},
        "custom_role_arn": {"type": "str"},
        "upstream_repository_prefix": {"type": "str"},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "recreate": {"type": "bool", "default": False},
        "validate": {"type": "bool", "default": False},
        "fail_on_invalid": {"type": "bool", "default": True},
    }
