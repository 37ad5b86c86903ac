#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_account_setting
short_description: Set an Amazon ECR account setting
version_added: 0.2.0
description:
  - Sets one ECR account setting of the caller's account in the region (PutAccountSetting) when its value
    (GetAccountSetting) differs.
  - "The settings and values accepted, from the ECR API Reference (PutAccountSetting):
    V(BASIC_SCAN_TYPE_VERSION) (V(AWS_NATIVE) or V(CLAIR)), V(REGISTRY_POLICY_SCOPE) (V(V1) or V(V2)) and
    V(BLOB_MOUNTING) (V(ENABLED) or V(DISABLED)). AWS has retired Clair scanning; it may refuse V(CLAIR)."
author:
  - stowage.ecr contributors (@stowage)
options:
  name:
    description:
      - The account setting. Any case is accepted.
    type: str
    required: true
    choices: [BASIC_SCAN_TYPE_VERSION, BLOB_MOUNTING, REGISTRY_POLICY_SCOPE]
  value:
    description:
      - The value to set; which values a setting takes is listed above. Any case is accepted; results give AWS's
        spelling.
    type: str
    required: true
attributes:
  check_mode:
    support: full
    description: Reads the live value and reports whether it would change, without writing.
  diff_mode:
    support: full
    description: Returns the setting's name and value before and after.
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Registry policies may grant every ECR action (V2 scope)
  stowage.ecr.ecr_account_setting:
    name: REGISTRY_POLICY_SCOPE
    value: V2

- name: Let pushes mount layers that the registry holds already
  stowage.ecr.ecr_account_setting:
    name: BLOB_MOUNTING
    value: ENABLED
"""

RETURN = r"""
name:
  description: The account setting.
  returned: always
  type: str
  sample: BLOB_MOUNTING
value:
  description: Its value after the task (in check mode, as it would be).
  returned: always
  type: str
  sample: ENABLED
"""

from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import ACCOUNT_SETTINGS
from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import account_setting_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, choices=any_case(sorted(ACCOUNT_SETTINGS))),
        value=dict(type="str", required=True),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    name = module.params["name"]
    conclude(module, lambda: account_setting_report(module), "ECR refused an account setting call for %s" % name)


if __name__ == "__main__":
    main()
