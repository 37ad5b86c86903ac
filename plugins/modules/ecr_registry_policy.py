#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_registry_policy
short_description: Put or delete the registry policy of an Amazon ECR private registry
version_added: 0.2.0
description:
  - Puts the registry permissions policy of the caller's private registry in the region, or deletes it.
    A registry policy grants other accounts registry-wide permissions, such as replicating into this
    registry or creating repositories in it.
  - The comparison with the live policy is semantic (amazon.aws's C(compare_policies)); statement order,
    a single action given as a string or a list, and key order make no change.
  - The registry is always the caller's own; ECR's registry policy calls take no registry id.
author:
  - stowage.ecr contributors (@stowage)
options:
  policy:
    description:
      - The IAM policy document, as a dict or a JSON string. At most 10240 characters as JSON.
      - Required with O(state=present).
    type: json
  state:
    description:
      - V(present) puts O(policy), V(absent) deletes the registry policy.
attributes:
  check_mode:
    description: Reads the live policy and reports whether it would change, without writing.
  diff_mode:
    description: Returns the policy before and after.
extends_documentation_fragment: [stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Let a second account replicate into this registry
  stowage.ecr.ecr_registry_policy:
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: ReplicateFromProduction
          Effect: Allow
          Principal:
            AWS: arn:aws:iam::210987654321:root
          Action:
            - ecr:CreateRepository
            - ecr:ReplicateImage
          Resource: arn:aws:ecr:eu-west-1:123456789012:repository/*

- name: The same policy from a file
  stowage.ecr.ecr_registry_policy:
    policy: "{{ lookup('file', 'registry-policy.json') }}"

- name: Remove the registry policy
  stowage.ecr.ecr_registry_policy:
    state: absent
"""

RETURN = r"""
registry_id:
  description: The 12-digit account id of the registry whose policy this is (the caller's, in the region).
  returned: always
  type: str
  sample: "123456789012"
policy:
  description: The registry policy after the task (in check mode, as it would be); null when there is none.
  returned: always
  type: dict
  sample:
    Version: "2012-10-17"
    Statement:
      - {Sid: PullThroughCache, Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:role/ci"},
         Action: [ecr:CreateRepository, ecr:BatchImportUpstreamImage], Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/docker-hub/*"}
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import registry_policy_report
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        policy=dict(type="json"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = ecr_module(argument_spec, supports_check_mode=True, required_if=[("state", "present", ("policy",))])
    conclude(module, lambda: registry_policy_report(module), "ECR refused a registry policy call")


if __name__ == "__main__":
    main()
