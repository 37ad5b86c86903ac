#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_lifecycle_preview
short_description: Which images of an Amazon ECR repository a lifecycle policy would expire or transition
version_added: 0.2.0
description:
  - Evaluates a lifecycle policy on the images of a repository and returns the images its rules would act on,
    before the policy is put. A wrong rule deletes images within 24 hours, and nothing brings them back.
  - The policy is O(rules) (the typed rules of M(stowage.ecr.ecr_lifecycle_policy)), O(policy) (AWS JSON), or,
    when both are left out, the repository's live lifecycle policy.
  - With O(source=local), the evaluation rules AWS documents are applied here to the repository's images
    (DescribeImages, 1000 to a call), as of O(as_of). With O(source=aws), AWS's own preview is started
    (StartLifecyclePolicyPreview) and polled (GetLifecyclePolicyPreview) until it completes; that is the
    authoritative answer, where AWS serves it, for now only.
  - It never writes a lifecycle policy. (AWS's preview is a call that starts a job on AWS's side; it changes
    nothing of the repository.)
author:
  - stowage.ecr contributors (@stowage)
options:
  policy:
    description:
      - The lifecycle policy to evaluate as AWS JSON (a dict or a JSON string), instead of O(rules).
    type: json
  as_of:
    description:
      - "The time to evaluate at, ISO 8601 (V(2026-12-31T00:00:00Z)): what would go by then. Defaults to now."
      - Only with O(source=local); AWS's preview evaluates now.
    type: str
  source:
    description:
      - V(local) applies the evaluation rules here (docs/lifecycle-evaluation.md says which, and what was
        chosen where AWS documents nothing). V(aws) asks AWS's own preview.
    type: str
    choices: [local, aws]
    default: local
  wait_timeout:
    description:
      - With O(source=aws), how many seconds to wait for AWS's preview to complete; a preview that has not
        completed by then fails the task.
    type: int
    default: 300
attributes:
  check_mode:
    support: full
    description: The same in check mode; the module never writes.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
extends_documentation_fragment: [stowage.ecr.target, stowage.ecr.lifecycle,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: What would the new rules expire right now?
  stowage.ecr.ecr_lifecycle_preview:
    repository: team/app
    rules:
      - priority: 1
        tag_status: untagged
        count_type: since_image_pushed
        count_number: 14
      - priority: 2
        tag_status: tagged
        tag_prefixes: [v]
        count_type: image_count_more_than
        count_number: 20
  register: preview

- name: And what the live policy takes by the end of the year
  stowage.ecr.ecr_lifecycle_preview:
    repository: team/app
    as_of: "2026-12-31T00:00:00Z"

- name: AWS's own answer
  stowage.ecr.ecr_lifecycle_preview:
    repository: team/app
    source: aws
"""

RETURN = r"""
expiring:
  description: The images the policy acts on, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    image_digest: {description: The image digest., type: str, sample: "sha256:4f5e..."}
    image_tags: {description: Its tags., type: list, elements: str, sample: [v1.2.0]}
    image_pushed_at: {description: When it was pushed (ISO 8601)., type: str}
    rule_priority: {description: The rule that acts on it., type: int, sample: 1}
    action: {description: V(expire) or V(transition)., type: str, sample: expire}
    target_storage_class: {description: "V(archive) for a transition, else null.", type: str}
rules:
  description:
    - Per rule of the policy, its priority, description and action, how many images it selects on its own
      (null with O(source=aws)), and how many it acts on once the rules are applied together.
  returned: always
  type: list
  elements: dict
evaluated:
  description: How many images the repository holds.
  returned: always
  type: int
kept:
  description: How many of them no rule acts on.
  returned: always
  type: int
policy:
  description: The policy evaluated, as AWS JSON; null when the repository has none (then nothing is acted on).
  returned: always
  type: dict
as_of:
  description: The time of the evaluation (ISO 8601).
  returned: always
  type: str
source:
  description: V(local) or V(aws).
  returned: always
  type: str
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import lifecycle_preview_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.lifecycle import LIFECYCLE_RULES
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        **LIFECYCLE_RULES,
        policy=dict(type="json"),
        as_of=dict(type="str"),
        source=dict(type="str", default="local", choices=["local", "aws"]),
        wait_timeout=dict(type="int", default=300),
    )
    module = ecr_module(argument_spec, supports_check_mode=True, mutually_exclusive=[("policy", "rules")])
    conclude(module, lambda: lifecycle_preview_report(module), "ECR refused a call for the lifecycle preview of repository %s" % module.params["repository"])


if __name__ == "__main__":
    main()
