# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module of the collection makes its AnsibleAWSModule."""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.stowage.ecr.plugins.module_utils.spelling import canonical_params


def ecr_module(argument_spec: dict[str, dict[str, Any]], **kwargs: Any) -> AnsibleAWSModule:
    """An AnsibleAWSModule whose enum values are in AWS's spelling, however the task wrote them."""
    module = AnsibleAWSModule(argument_spec=argument_spec, **kwargs)
    canonical_params(module.params, argument_spec)
    return module
