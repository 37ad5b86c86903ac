#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_scan
short_description: Scan an image in Amazon ECR, wait for the result, and fail on findings at or above a severity
version_added: 0.2.0
description:
  - Reads the scan of one image (DescribeImageScanFindings). With basic scanning, an image that has no scan
    yet gets one (StartImageScan; AWS allows one a day per image, so an image scanned on push or earlier
    that day is read as it is). Enhanced scanning (Amazon Inspector) scans on its own; its findings are read alike.
  - Waits for the result with a growing pause between reads (1, 2, 4 ... seconds, at most 15) up to O(wait_timeout).
  - With O(fail_on_severity), fails the task when a finding is at or above that severity, with the counts in
    the message. A scan that fails, is not supported for the image, or has no result in time fails the task -
    it is never a pass.
author:
  - stowage.ecr contributors (@stowage)
options:
  image_tag:
    description:
      - The image, by a tag it has. One of O(image_tag) and O(image_digest) is required.
    type: str
  image_digest:
    description:
      - The image, by its digest (V(sha256:...)), as a push returns it.
    type: str
  wait:
    description:
      - Wait for the scan's result. Without waiting, a scan still in progress is returned as it is (and fails
        the task when O(fail_on_severity) is set).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait for the result, in seconds (0 to 86400).
    type: int
    default: 600
  fail_on_severity:
    description:
      - Fail when any finding is at or above this severity (V(UNDEFINED) is the lowest, so it fails on any
        finding). Enhanced scanning's V(UNTRIAGED) counts as V(UNDEFINED). Any case is accepted.
    type: str
    choices: [CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED]
  ignore_findings:
    description:
      - Findings that do not count, by name - a basic finding's name (a CVE id), or an enhanced finding's
        vulnerability id or title. With these, every page of findings is read and the counts are made from them.
    type: list
    elements: str
  include_findings:
    description:
      - Return the findings themselves (basic and enhanced), every page of them.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the scan; an image with no scan yet is reported as one whose scan would start (changed), and is not gated.
  diff_mode:
    support: none
    description: A scan changes no setting; there is nothing to show.
extends_documentation_fragment: [stowage.ecr.target,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Stop the release on a critical finding
  stowage.ecr.ecr_image_scan:
    repository: team/app-api
    image_tag: "1.4.2"
    fail_on_severity: CRITICAL
    wait_timeout: 900

- name: High or worse, except a finding accepted for now
  stowage.ecr.ecr_image_scan:
    repository: team/app-api
    image_digest: "{{ pushed_digest }}"
    fail_on_severity: HIGH
    ignore_findings: [CVE-2024-3094]
    include_findings: true
  register: scan
"""

RETURN = r"""
image_digest:
  description: The digest of the scanned image.
  returned: always
  type: str
  sample: sha256:0c8a1f...
image_tags:
  description: The image's tags.
  returned: always
  type: list
  elements: str
scan_started:
  description: Whether this task started the scan.
  returned: always
  type: bool
image_scan_status:
  description: The scan's state, V(status) (V(COMPLETE), V(ACTIVE) for enhanced scanning, V(FAILED) ...) and V(description).
  returned: always
  type: dict
  sample:
    status: COMPLETE
    description: The scan was completed successfully.
finding_severity_counts:
  description: Findings per severity (without O(ignore_findings)); empty when there are none.
  returned: always
  type: dict
  sample:
    HIGH: 1
    MEDIUM: 4
image_scan_completed_at:
  description: When the scan completed.
  returned: when the scan has a result
  type: str
vulnerability_source_updated_at:
  description: When the vulnerability data was last updated.
  returned: when the scan has a result
  type: str
findings:
  description:
    - With O(include_findings), the findings in snake_case - basic ones (V(name), V(severity), V(uri), V(attributes)),
      then enhanced ones (V(title), V(severity), V(package_vulnerability_details), V(score), V(remediation) ...).
  returned: when O(include_findings=true)
  type: list
  elements: dict
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import scan_report
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import SEVERITIES
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        image_tag=dict(type="str"),
        image_digest=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        fail_on_severity=dict(type="str", choices=any_case(reversed(SEVERITIES))),
        ignore_findings=dict(type="list", elements="str"),
        include_findings=dict(type="bool", default=False),
    )
    module = ecr_module(
        argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("image_tag", "image_digest")],
        required_one_of=[("image_tag", "image_digest")],
    )
    refused = "ECR refused a scan call for repository %s" % module.params["repository"]
    conclude(module, lambda: scan_report(module), refused)


if __name__ == "__main__":
    main()
