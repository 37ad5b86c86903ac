#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_registry_scanning
short_description: Set the image scanning configuration of an Amazon ECR private registry
version_added: 0.2.0
description:
  - Sets the scan type and the scanning rules of the caller's private registry in the region
    (PutRegistryScanningConfiguration), when they differ from the live ones.
  - An omitted option changes nothing; O(rules) given replaces the registry's scanning rules as a whole (ECR
    keeps at most two, one a frequency). The comparison ignores the order of rules and filters.
  - "The frequencies a scan type takes, as the ECR API Reference gives them (RegistryScanningRule): V(BASIC)
    takes V(SCAN_ON_PUSH); V(ENHANCED) (Amazon Inspector) takes V(SCAN_ON_PUSH) and V(CONTINUOUS_SCAN). A repository
    that no rule matches is scanned manually (V(MANUAL)), so no rule is needed for that."
  - A change of the scan type with the rules left out is checked against the registry's rules; a rule the new
    type does not take is refused with a message, before any write.
author:
  - stowage.ecr contributors (@stowage)
options:
  scan_type:
    description:
      - V(BASIC) or V(ENHANCED). ECR's default, when nothing was ever set, is V(BASIC).
      - Left out, the registry's scan type stays. Any case is accepted.
    type: str
    choices: [BASIC, ENHANCED]
attributes:
  check_mode:
    support: full
    description: Reads the live configuration and reports whether it would change, without writing.
  diff_mode:
    support: full
    description: Returns the scan type and rules before and after.
extends_documentation_fragment: [stowage.ecr.registry_rules.SCANNING,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Enhanced scanning, continuous for production repositories, on push for the rest
  stowage.ecr.ecr_registry_scanning:
    scan_type: ENHANCED
    rules:
      - scan_frequency: CONTINUOUS_SCAN
        repository_filters:
          - filter: prod-*
      - scan_frequency: SCAN_ON_PUSH
        repository_filters:
          - filter: "*"

- name: Basic scanning on push of every repository
  stowage.ecr.ecr_registry_scanning:
    scan_type: BASIC
    rules:
      - scan_frequency: SCAN_ON_PUSH
        repository_filters:
          - filter: "*"
"""

RETURN = r"""
registry_id:
  description: The 12-digit account id of the registry whose scanning configuration this is (the caller's, in the region).
  returned: always
  type: str
  sample: "123456789012"
scan_type:
  description: The registry's scan type after the task (in check mode, as it would be).
  returned: always
  type: str
  sample: ENHANCED
rules:
  description: The registry's scanning rules after the task, sorted by frequency, filters sorted.
  returned: always
  type: list
  elements: dict
  contains:
    scan_frequency:
      description: The rule's frequency.
      type: str
    repository_filters:
      description: Its filters, each with C(filter) and C(filter_type).
      type: list
      elements: dict
  sample:
    - scan_frequency: CONTINUOUS_SCAN
      repository_filters:
        - filter: prod-*
          filter_type: WILDCARD
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import scanning_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import SCAN_TYPES, SCANNING_RULES
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        scan_type=dict(type="str", choices=any_case(SCAN_TYPES)),
        **SCANNING_RULES,
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: scanning_report(module), "ECR refused a registry scanning configuration call")


if __name__ == "__main__":
    main()
