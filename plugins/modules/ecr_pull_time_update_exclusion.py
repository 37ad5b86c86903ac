#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_pull_time_update_exclusion
short_description: Exclude an IAM principal from image pull time updates in an Amazon ECR private registry
version_added: 0.2.0
description:
  - Adds an IAM role or user to the pull time update exclusions of the caller's private registry in the
    region (RegisterPullTimeUpdateExclusion), or removes it (DeregisterPullTimeUpdateExclusion). ECR does not
    record the last pull time of an image when an excluded principal pulls it, so that scanners and other
    automation do not keep images alive for lifecycle rules that count since the last pull.
  - The live exclusions are read with ListPullTimeUpdateExclusions, every page.
author:
  - stowage.ecr contributors (@stowage)
options:
  principal_arn:
    description:
      - The ARN of the IAM role or user, at most 200 characters, for example
        V(arn:aws:iam::123456789012:role/ci-scanner).
    type: str
    required: true
  state:
    description:
      - V(present) excludes the principal, V(absent) removes the exclusion.
attributes:
  check_mode:
    description: Reads the live exclusions and reports whether the principal's would change, without writing.
  diff_mode:
    description: Returns whether the principal is excluded, before and after.
extends_documentation_fragment: [stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: The vulnerability scanner's pulls do not count as pulls
  stowage.ecr.ecr_pull_time_update_exclusion:
    principal_arn: arn:aws:iam::123456789012:role/ci-scanner

- name: Its pulls count again
  stowage.ecr.ecr_pull_time_update_exclusion:
    principal_arn: arn:aws:iam::123456789012:role/ci-scanner
    state: absent
"""

RETURN = r"""
principal_arn:
  description: The principal's ARN.
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:role/ci-scanner
excluded:
  description: Whether the principal is excluded after the task (in check mode, as it would be).
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import pull_time_exclusion_report
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        principal_arn=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    arn = module.params["principal_arn"]
    conclude(module, lambda: pull_time_exclusion_report(module), "ECR refused a pull time update exclusion call for %s" % arn)


if __name__ == "__main__":
    main()
