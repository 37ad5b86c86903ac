#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_lifecycle_policy
short_description: Put or delete the lifecycle policy of an Amazon ECR repository
version_added: 0.1.0
description:
  - Puts the lifecycle policy of an ECR repository, given as typed O(rules) or as the AWS JSON O(policy),
    or deletes it.
  - Every rule ECR enforces is checked locally before any call; an error names the rule's priority and
    the field, and says what is accepted.
  - The comparison with the live policy is semantic; rule order, list order and V("30") against V(30)
    make no change.
  - A lifecycle policy change never deletes an image itself; ECR applies the policy within 24 hours.
  - The repository must exist (see M(stowage.ecr.ecr_repository)); in check mode, a repository that does
    not exist yet is reported as one that would get the policy.
author:
  - stowage.ecr contributors (@stowage)
options:
  state:
    description:
      - V(present) puts the policy, V(absent) deletes it (then O(policy) and O(rules) are refused, before any call).
  policy:
    description:
      - 'The lifecycle policy as AWS writes it, C({"rules": [...]}), as a dict or a JSON string.'
      - Exactly one of O(policy) and O(rules) is required with O(state=present), and neither is accepted with
        O(state=absent).
    type: json
attributes:
  check_mode:
    description: Reads the live policy and reports whether it would change, without writing.
  diff_mode:
    description: Returns the policy before and after, canonical (rules sorted by priority).
extends_documentation_fragment: [stowage.ecr.target, stowage.ecr.lifecycle, stowage.ecr.lifecycle.PREVIEW, stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Expire untagged images older than 30 days
  stowage.ecr.ecr_lifecycle_policy:
    repository: my-ecr-repo
    rules:
      - priority: 1
        description: Expire untagged images older than 30 days
        tag_status: untagged
        count_type: since_image_pushed
        count_number: 30

- name: Keep the 10 newest release images, expire untagged after a week, cap everything at 500
  stowage.ecr.ecr_lifecycle_policy:
    repository: team/app-api
    rules:
      - priority: 10
        tag_status: tagged
        tag_prefixes: [release-, v]
        count_type: image_count_more_than
        count_number: 10
      - priority: 20
        tag_status: untagged
        count_type: since_image_pushed
        count_number: 7
      - priority: 100
        tag_status: any
        count_type: image_count_more_than
        count_number: 500

- name: The same as AWS writes it (a file from the console works too)
  stowage.ecr.ecr_lifecycle_policy:
    repository: my-ecr-repo
    policy: "{{ lookup('file', 'lifecycle.json') }}"

- name: Remove the lifecycle policy
  stowage.ecr.ecr_lifecycle_policy:
    repository: my-ecr-repo
    state: absent
"""

RETURN = r"""
preview:
  description:
    - With O(preview) or O(max_expiring), what the policy to put does to the repository's images right away.
  returned: when O(preview) or O(max_expiring) is set and O(state=present)
  type: dict
  version_added: 0.2.0
  contains:
    expiring:
      description: The images acted on, oldest first.
      type: list
      elements: dict
      contains:
        image_digest: {description: The image digest., type: str}
        image_tags: {description: Its tags., type: list, elements: str}
        image_pushed_at: {description: When it was pushed (ISO 8601)., type: str}
        rule_priority: {description: The rule that acts on it., type: int}
        action: {description: V(expire) or V(transition)., type: str}
        target_storage_class: {description: "V(archive) for a transition, else null.", type: str}
    rules:
      description: Per rule, its priority, action, how many images it selected and how many it acts on.
      type: list
      elements: dict
    evaluated:
      description: How many images the repository holds.
      type: int
    kept:
      description: How many of them no rule acts on.
      type: int
    source:
      description: V(local), the evaluator.
      type: str
policy:
  description:
    - The effective lifecycle policy after the task (in check mode, as it would be), canonical
      (rules sorted by priority, tag lists sorted). Null when the repository has none.
  returned: always
  type: dict
  sample:
    rules:
      - rulePriority: 1
        description: Expire untagged images older than 30 days
        selection:
          tagStatus: untagged
          countType: sinceImagePushed
          countUnit: days
          countNumber: 30
        action:
          type: expire
repository_name:
  description: The repository name.
  returned: always
  type: str
  sample: my-ecr-repo
  version_added: 0.2.0
repository:
  description:
    - The repository name, as RV(repository_name).
    - Deprecated, to be removed in 1.0.0. In the other modules RV(stowage.ecr.ecr_repository#module:repository) is the
      repository's settings (a dict); use RV(repository_name) here.
  returned: always
  type: str
  sample: my-ecr-repo
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import lifecycle_policy_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.lifecycle import LIFECYCLE_RULES, PREVIEW_OPTIONS
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        policy=dict(type="json"),
        **LIFECYCLE_RULES,
        **PREVIEW_OPTIONS,
    )
    module = ecr_module(
        argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("policy", "rules")],
        required_if=[("state", "present", ("policy", "rules"), True)],
    )
    name = module.params["repository"]
    conclude(module, lambda: lifecycle_policy_report(module), "ECR refused a lifecycle policy call for repository %s" % name)


if __name__ == "__main__":
    main()
