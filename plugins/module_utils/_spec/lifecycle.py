# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The typed lifecycle rules and the preview of a lifecycle policy change, declared once: their
argument spec.

LIFECYCLE_RULES (the ``rules`` option, each rule with LIFECYCLE_RULE_OPTIONS) is documented by the doc
fragment ``stowage.ecr.lifecycle``; PREVIEW_OPTIONS by ``stowage.ecr.lifecycle.PREVIEW``.
tests/unit/module_utils/_spec/test_spec.py keeps each fragment equal to its piece. The rules'
values are checked in _checks.lifecycle, which also takes these keys where the rules are an untyped
list (ecr_repositories, ecr_repository_creation_template).
"""

from __future__ import annotations

from typing import Any

LIFECYCLE_RULE_OPTIONS: dict[str, dict[str, Any]] = {
    "priority": {"type": "int", "required": True},
    "description": {"type": "str"},
    "tag_status": {"type": "str", "required": True},
    "tag_prefixes": {"type": "list", "elements": "str"},
    "tag_patterns": {"type": "list", "elements": "str"},
    "count_type": {"type": "str", "required": True},
    "count_number": {"type": "int", "required": True},
    "count_unit": {"type": "str"},
    "storage_class": {"type": "str"},
    "action": {"type": "str", "default": "expire"},
    "target_storage_class": {"type": "str"},
}

LIFECYCLE_RULES: dict[str, dict[str, Any]] = {"rules": {"type": "list", "elements": "dict", "options": LIFECYCLE_RULE_OPTIONS}}

PREVIEW_OPTIONS: dict[str, dict[str, Any]] = {"preview": {"type": "bool", "default": False}, "max_expiring": {"type": "int"}}
