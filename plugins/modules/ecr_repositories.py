#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repositories
short_description: Converge many Amazon ECR repositories and their lifecycle policies in one task
version_added: 0.1.0
description:
  - Brings a list of ECR repositories (settings, resource tags, repository policy and lifecycle policy)
    to the requested state in one module run, with concurrent API calls; for fleets of hundreds of
    repositories, where one task per repository would start hundreds of module processes.
  - Each repository behaves as with M(stowage.ecr.ecr_repository) and M(stowage.ecr.ecr_lifecycle_policy)
    (the same code does the work). A setting left out is left as it is, a second run reports no change,
    encryption is checked and never changed, check and diff mode are full.
  - Repositories are described 100 to a call; on a run that changes nothing, the only other reads are one
    per aspect the task manages (the lifecycle policy; tags and the repository policy only when given).
  - Every item is checked before any call; one bad item fails the task before anything is written.
    A repository that fails later (for example a KMS key that differs) is reported in RV(repositories)
    and fails the task, while the others are still converged.
author:
  - stowage.ecr contributors (@stowage)
options:
  repositories:
    description:
      - The repositories. Each item takes the options of M(stowage.ecr.ecr_repository), plus
        O(repositories[].lifecycle_rules) or O(repositories[].lifecycle_policy).
      - A setting an item leaves out (or sets to null) is taken from O(defaults); when neither gives it,
        the repository's setting is left as it is.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The repository name.
        type: str
        required: true
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
      # repository settings: rendered by make docs from stowage.ecr.repository_settings (scripts/render_settings_docs.py)
      image_tag_mutability:
        description: As in M(stowage.ecr.ecr_repository).
        type: str
        choices: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]
      image_tag_mutability_exclusion_filters:
        description: As in M(stowage.ecr.ecr_repository).
        type: list
        elements: str
      scan_on_push:
        description: As in M(stowage.ecr.ecr_repository).
        type: bool
      encryption_type:
        description: As in M(stowage.ecr.ecr_repository).
        type: str
        choices: [AES256, KMS, KMS_DSSE]
      kms_key:
        description: As in M(stowage.ecr.ecr_repository).
        type: str
      tags:
        description: As in M(stowage.ecr.ecr_repository).
        type: dict
        aliases: [resource_tags]
      purge_tags:
        description: As in M(stowage.ecr.ecr_repository) (default V(true)).
        type: bool
      policy:
        description: As in M(stowage.ecr.ecr_repository).
        type: json
      purge_policy:
        description: As in M(stowage.ecr.ecr_repository) (default V(false)).
        type: bool
      # end of repository settings
      force_delete:
        description: As in M(stowage.ecr.ecr_repository).
        type: bool
      lifecycle_rules:
        description:
          - The typed lifecycle rules of M(stowage.ecr.ecr_lifecycle_policy), each a dict with the keys of its
            O(stowage.ecr.ecr_lifecycle_policy#module:rules) (V(priority), V(description), V(tag_status), V(tag_prefixes),
            V(tag_patterns), V(count_type), V(count_number), V(count_unit), V(storage_class), V(action),
            V(target_storage_class)), checked the same way.
          - Flat snake_case keys; those named otherwise than in the AWS JSON are V(priority) (C(rulePriority)),
            V(tag_prefixes) (C(tagPrefixList)), V(tag_patterns) (C(tagPatternList)), V(action) (C(action.type)) and
            V(target_storage_class) (C(action.targetStorageClass)).
          - An empty list deletes the lifecycle policy; left out (and not in O(defaults)), the lifecycle policy is not
            touched.
        type: list
        elements: dict
      lifecycle_policy:
        description:
          - The lifecycle policy as AWS JSON, instead of O(repositories[].lifecycle_rules).
        type: json
      preview:
        description:
          - As O(stowage.ecr.ecr_lifecycle_policy#module:preview), for this item's lifecycle policy; the item's result
            gets RV(repositories[].lifecycle_preview) and, on a change, the diff lists the images.
        type: bool
        version_added: 0.2.0
      max_expiring:
        description:
          - As O(stowage.ecr.ecr_lifecycle_policy#module:max_expiring); an item over the limit fails (nothing of its
            lifecycle policy is written) while the others converge.
        type: int
        version_added: 0.2.0
  defaults:
    description:
      - Settings for every item that does not give its own, with the same keys as an item (but V(name)).
    type: dict
    default: {}
    suboptions:
      state:
        description: As O(repositories[].state).
        type: str
        choices: [present, absent]
      # repository settings: rendered by make docs from stowage.ecr.repository_settings (scripts/render_settings_docs.py)
      image_tag_mutability:
        description: As O(repositories[].image_tag_mutability).
        type: str
        choices: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]
      image_tag_mutability_exclusion_filters:
        description: As O(repositories[].image_tag_mutability_exclusion_filters).
        type: list
        elements: str
      scan_on_push:
        description: As O(repositories[].scan_on_push).
        type: bool
      encryption_type:
        description: As O(repositories[].encryption_type).
        type: str
        choices: [AES256, KMS, KMS_DSSE]
      kms_key:
        description: As O(repositories[].kms_key).
        type: str
      tags:
        description: As O(repositories[].tags).
        type: dict
        aliases: [resource_tags]
      purge_tags:
        description: As O(repositories[].purge_tags) (default V(true)).
        type: bool
      policy:
        description: As O(repositories[].policy).
        type: json
      purge_policy:
        description: As O(repositories[].purge_policy) (default V(false)).
        type: bool
      # end of repository settings
      force_delete:
        description: As O(repositories[].force_delete).
        type: bool
      lifecycle_rules:
        description: As O(repositories[].lifecycle_rules).
        type: list
        elements: dict
      lifecycle_policy:
        description: As O(repositories[].lifecycle_policy).
        type: json
      preview:
        description: As O(repositories[].preview).
        type: bool
        version_added: 0.2.0
      max_expiring:
        description: As O(repositories[].max_expiring).
        type: int
        version_added: 0.2.0
  concurrency:
    description:
      - How many repositories are worked on at once. AWS throttling is retried with backoff.
    type: int
    default: 8
attributes:
  check_mode:
    support: full
    description: Reads and compares, writes nothing.
  diff_mode:
    support: full
    description: One before/after entry for each repository that changes.
extends_documentation_fragment: [stowage.ecr.target.REGISTRY,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Every service's repository, the same cleanup policy for all
  stowage.ecr.ecr_repositories:
    defaults:
      scan_on_push: true
      encryption_type: AES256
      lifecycle_rules:
        - priority: 1
          description: Expire untagged images older than 30 days
          tag_status: untagged
          count_type: since_image_pushed
          count_number: 30
    repositories:
      - name: shop/cart
      - name: shop/checkout
        tags: {team: payments}
      - name: shop/legacy
        state: absent
        force_delete: true

- name: One item for each name of a list (services, a list of names), with ansible.builtin filters only
  stowage.ecr.ecr_repositories:
    defaults:
      image_tag_mutability: IMMUTABLE
    repositories: "{{ ['name'] | product(services) | batch(1) | map('ansible.builtin.items2dict', key_name=0, value_name=1) | list }}"
"""

RETURN = r"""
repositories:
  description: One entry for each item, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The repository name.
      type: str
    changed:
      description: Whether this repository (or its lifecycle policy) changed.
      type: bool
    created:
      description:
        - Whether this task created the repository (in check mode, whether it would), as
          RV(stowage.ecr.ecr_repository#module:created).
      type: bool
      version_added: 0.2.0
    failed:
      description: Whether this repository failed; RV(repositories[].msg) says why.
      type: bool
    msg:
      description: Why it failed.
      type: str
      returned: when failed
    repository:
      description:
        - The repository after the task, as M(stowage.ecr.ecr_repository) returns it, with tags and policy only
          when the item manages them. Empty for an absent repository.
      type: dict
    lifecycle_policy:
      description: The lifecycle policy after the task as AWS JSON, when the item manages it (null when it has none).
      type: dict
      returned: when the item manages the lifecycle policy
    lifecycle_rules:
      description:
        - The same lifecycle policy as typed rules, in the words of O(repositories[].lifecycle_rules) (snake_case, what
          the module takes), sorted by priority. An empty list when the repository has no lifecycle policy.
        - Null when a rule of the policy has no typed form (a field the typed rules do not have).
      type: list
      elements: dict
      returned: when the item manages the lifecycle policy
      version_added: 0.2.0
      sample:
        - priority: 1
          description: Expire untagged images older than 30 days
          tag_status: untagged
          count_type: since_image_pushed
          count_number: 30
    lifecycle_preview:
      description:
        - With O(repositories[].preview) or O(repositories[].max_expiring), what the lifecycle policy does to the
          repository's images right away, as RV(stowage.ecr.ecr_lifecycle_policy#module:preview).
      type: dict
      returned: when asked, for an item that puts a lifecycle policy
      version_added: 0.2.0
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.fleet import fleet_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import settings_spec
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REGISTRY, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module

SETTINGS = dict(
    state=dict(type="str", choices=["present", "absent"]),
    # an item's setting left out comes from defaults, then from fleet.BUILTIN: no defaults in the items' spec
    **settings_spec(defaults=False),
    force_delete=dict(type="bool"),
    # checked by compile_rules (fields, types and values), which names the rule and the field
    lifecycle_rules=dict(type="list", elements="dict"),
    lifecycle_policy=dict(type="json"),
    # with preview=False as default only through fleet.BUILTIN
    preview=dict(type="bool"),
    max_expiring=dict(type="int"),
)


def main():
    argument_spec = dict(
        repositories=dict(type="list", elements="dict", required=True, options=dict(name=dict(type="str", required=True), **SETTINGS)),
        defaults=dict(type="dict", default={}, options=SETTINGS),
        **spec(REGISTRY),
        concurrency=dict(type="int", default=8),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: fleet_report(module), "ECR refused a call to describe the repositories")


if __name__ == "__main__":
    main()
