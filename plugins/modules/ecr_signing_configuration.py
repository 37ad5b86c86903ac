#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_signing_configuration
short_description: Put or delete the managed signing configuration of an Amazon ECR private registry
version_added: 0.2.0
description:
  - Puts the signing configuration of the caller's private registry in the region (PutSigningConfiguration),
    or deletes it (DeleteSigningConfiguration). Its rules make ECR sign the images pushed to matching
    repositories with an AWS Signer signing profile.
  - The configuration holds exactly O(rules); rules the registry holds and O(rules) does not list are removed.
    The comparison ignores the order of rules and filters.
  - The IAM principal that pushes an image needs permission to sign with the rule's profile; ECR does not
    check that here.
author:
  - stowage.ecr contributors (@stowage)
options:
  state:
    description:
      - V(present) puts the configuration with O(rules), V(absent) deletes it.
attributes:
  check_mode:
    description: Reads the live configuration and reports whether it would change, without writing.
  diff_mode:
    description: Returns the rules before and after.
extends_documentation_fragment: [stowage.ecr.registry_rules.SIGNING, stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Sign every image pushed to the release repositories
  stowage.ecr.ecr_signing_configuration:
    rules:
      - signing_profile_arn: arn:aws:signer:eu-west-1:123456789012:/signing-profiles/release_images
        repository_filters:
          - filter: release/*

- name: No managed signing
  stowage.ecr.ecr_signing_configuration:
    state: absent
"""

RETURN = r"""
registry_id:
  description: The 12-digit account id of the registry whose signing configuration this is (the caller's, in the region).
  returned: always
  type: str
  sample: "123456789012"
rules:
  description:
    - The signing rules after the task (in check mode, as they would be), sorted; null when the registry has no
      signing configuration.
  returned: always
  type: list
  elements: dict
  contains:
    signing_profile_arn:
      description: The signing profile.
      type: str
    repository_filters:
      description: The filters, each with C(filter) and C(filter_type); empty for a rule of every repository.
      type: list
      elements: dict
  sample:
    - signing_profile_arn: arn:aws:signer:eu-west-1:123456789012:/signing-profiles/release_images
      repository_filters:
        - filter: release/*
          filter_type: WILDCARD_MATCH
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import signing_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import SIGNING_RULES
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **SIGNING_RULES,
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = ecr_module(argument_spec, supports_check_mode=True, required_if=[("state", "present", ("rules",))])
    conclude(module, lambda: signing_report(module), "ECR refused a signing configuration call")


if __name__ == "__main__":
    main()
