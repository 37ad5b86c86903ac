# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of a repository, declared once: their argument spec.

Their documentation is the doc fragment ``stowage.ecr.repository_settings``
(plugins/doc_fragments/repository_settings.py). Every module that takes repository settings builds
its options from here, and the role's ``ecr_repo_*`` variables follow them
(tests/unit/module_utils/_spec/test_settings.py checks the fragment, the list suboptions of
ecr_repositories and the role's argument specs against this spec).

To add a setting: add it here and to the doc fragment, then run ``make docs`` (which also renders
the suboption docs of ecr_repositories from the two).
"""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case

# the values ECR accepts for the enum settings (the checks in _checks.repository use them too)
IMAGE_TAG_MUTABILITIES = ("MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
ENCRYPTION_TYPES = ("AES256", "KMS", "KMS_DSSE")
KMS_ENCRYPTION_TYPES = ("KMS", "KMS_DSSE")

REPOSITORY_SETTINGS: dict[str, dict[str, Any]] = {
    "image_tag_mutability": {"type": "str", "choices": any_case(IMAGE_TAG_MUTABILITIES)},
    "image_tag_mutability_exclusion_filters": {"type": "list", "elements": "str"},
    "scan_on_push": {"type": "bool"},
    "encryption_type": {"type": "str", "choices": any_case(ENCRYPTION_TYPES)},
    "kms_key": {"type": "str", "no_log": False},
    "tags": {"type": "dict", "aliases": ["resource_tags"]},
    "purge_tags": {"type": "bool", "default": True},
    "policy": {"type": "json"},
    "purge_policy": {"type": "bool", "default": False},
}


def settings_spec(defaults: bool = True) -> dict[str, dict[str, Any]]:
    """A copy of the settings' argument spec; without ``defaults`` (for the items of a list, whose
    defaults come from the list's own ``defaults`` and then from ``settings_defaults()``)."""
    spec = copy.deepcopy(REPOSITORY_SETTINGS)
    if not defaults:
        for option in spec.values():
            option.pop("default", None)
    return spec


def settings_defaults() -> dict[str, Any]:
    """The value of each setting that has a default when the task leaves it out."""
    return {name: option["default"] for name, option in REPOSITORY_SETTINGS.items() if "default" in option}
