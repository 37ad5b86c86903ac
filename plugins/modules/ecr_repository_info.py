#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository_info
short_description: Describe Amazon ECR repositories, with tags, policies, lifecycle policies and scanning
version_added: 0.1.0
description:
  - Lists ECR repositories by name, by a glob pattern, or all of a registry, each with its settings,
    resource tags, repository policy, lifecycle policy and scanning configuration.
  - Names are described 100 to a call; listings follow pagination; the per-repository reads run concurrently.
author:
  - stowage.ecr contributors (@stowage)
options:
  names:
    description:
      - The repositories to describe. Names that do not exist are left out of the result.
      - Cannot be used together with O(name_pattern). With neither, every repository is listed.
    type: list
    elements: str
    aliases: [name]
  name_pattern:
    description:
      - A shell-style glob (V(team/*), V(*-api)) the repository names must match.
    type: str
attributes:
  check_mode:
    support: full
    description: Only reads, so it runs in check mode as usual.
extends_documentation_fragment: [stowage.ecr.target.REGISTRY,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: One repository
  stowage.ecr.ecr_repository_info:
    names: [my-ecr-repo]
  register: found

- name: The URI, when it exists
  ansible.builtin.debug:
    msg: "{{ found.repositories[0].uri if found.repositories else 'no such repository' }}"

- name: Every repository of a team
  stowage.ecr.ecr_repository_info:
    name_pattern: "team/*"

- name: Repositories without a lifecycle policy
  stowage.ecr.ecr_repository_info:
  register: all_repos

- ansible.builtin.debug:
    msg: "{{ all_repos.repositories | selectattr('lifecycle_policy', 'none') | map(attribute='name') | list }}"
"""

RETURN = r"""
repositories:
  description: The repositories found, sorted by name; empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The repository name.
      type: str
      sample: my-ecr-repo
    arn:
      description: The repository ARN.
      type: str
      sample: arn:aws:ecr:ap-south-1:123456789012:repository/my-ecr-repo
    registry_id:
      description: The account id of the registry.
      type: str
      sample: "123456789012"
    uri:
      description: The repository URI.
      type: str
      sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com/my-ecr-repo
    created_at:
      description: When the repository was created (ISO 8601).
      type: str
      sample: "2026-11-26T10:00:00+00:00"
    image_tag_mutability:
      description: The image tag mutability.
      type: str
      sample: IMMUTABLE
    image_tag_mutability_exclusion_filters:
      description: The wildcard filters of tags exempt from the mutability setting.
      type: list
      elements: str
      sample: []
    scan_on_push:
      description: Whether images are scanned on push.
      type: bool
      sample: true
    encryption_type:
      description: The encryption at rest.
      type: str
      sample: AES256
    kms_key:
      description: The KMS key, with KMS or KMS_DSSE encryption.
      type: str
      sample: null
    tags:
      description: The resource tags.
      type: dict
      sample: {team: platform}
    policy:
      description: The repository policy, or null.
      type: dict
      sample: null
    lifecycle_policy:
      description: The lifecycle policy as AWS holds it, or null.
      type: dict
      sample: {rules: []}
    scanning_configuration:
      description:
        - How ECR scans the repository's images (BatchGetRepositoryScanningConfiguration), read in batches of 25
          names, concurrently.
        - C(scan_on_push) and C(scan_frequency) (V(SCAN_ON_PUSH), V(CONTINUOUS_SCAN) or V(MANUAL)) as ECR applies
          them, with the registry's scanning rules taken into account; C(applied_scan_filters) lists the filters of
          the registry rule that selects the repository (each C(filter) and C(filter_type)), empty when none does.
        - V(null) for a repository of another account's registry (O(registry_id) other than the caller's), since
          ECR gives scanning configurations of the caller's own registry only.
      type: dict
      version_added: 0.2.0
      sample:
        scan_on_push: true
        scan_frequency: CONTINUOUS_SCAN
        applied_scan_filters:
          - filter: "prod-*"
            filter_type: WILDCARD
    settings:
      description:
        - The repository as an item of O(stowage.ecr.ecr_repositories#module:repositories) (and of the role variable
          C(ecr_repo_repositories)), written out whole so that converging it changes nothing and a later change made
          outside Ansible is put back.
        - Every tag (with V(purge_tags=true)); the policy, or V(purge_policy=true) when there is none; the lifecycle
          policy as typed V(lifecycle_rules) when they say it exactly, else as V(lifecycle_policy), and V(lifecycle_rules=[])
          when there is none. Tags under V(aws:) are left out (AWS owns them; they are kept).
        - C(playbooks/export.yml) writes these to a vars file per account and region.
      type: dict
      version_added: 0.2.0
      sample:
        name: team/app
        image_tag_mutability: IMMUTABLE
        scan_on_push: true
        encryption_type: AES256
        tags: {team: platform}
        purge_tags: true
        purge_policy: true
        lifecycle_rules:
          - priority: 1
            tag_status: untagged
            count_type: since_image_pushed
            count_number: 14
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import repositories_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REGISTRY, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        names=dict(type="list", elements="str", aliases=["name"]),
        name_pattern=dict(type="str"),
        **spec(REGISTRY),
    )
    module = ecr_module(argument_spec, supports_check_mode=True, mutually_exclusive=[("names", "name_pattern")])
    conclude(module, lambda: repositories_report(module), "ECR refused a call while describing repositories")


if __name__ == "__main__":
    main()
