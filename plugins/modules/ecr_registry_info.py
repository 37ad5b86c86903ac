#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_registry_info
short_description: Read the registry-level settings of an Amazon ECR private registry
version_added: 0.2.0
description:
  - Reads the registry-level settings of the caller's private registry in the region, each section in the words
    of the module that manages it, and returns them with RV(role_vars), the variables of the role
    R(stowage.ecr.ecr_registry,ansible_collections.stowage.ecr.ecr_registry_role) that reproduce them.
  - The sections are read concurrently.
  - A section that the caller may not read (an C(AccessDenied) error) or that the region does not offer (an
    unknown or unsupported operation) does not fail the task by default; its key is null, RV(errors) holds AWS's
    error code and message, a warning names it, and RV(role_vars) leaves its variables out (so that feeding
    them back leaves that section alone). O(fail_on_section_error=true) fails the task instead. Any other error
    (throttling after the retries, a server error, bad credentials) fails the task.
author:
  - stowage.ecr contributors (@stowage)
options:
  sections:
    description:
      - The sections to read. V([]) reads none and returns RV(registry_id) only.
    type: list
    elements: str
    choices: &sections
      - policy
      - replication
      - scanning
      - pull_through_cache_rules
      - repository_creation_templates
      - account_settings
      - pull_time_update_exclusions
      - signing
    default: *sections
  fail_on_section_error:
    description:
      - Fail the task when a section cannot be read because access is denied or the region does not offer it,
        rather than report it in RV(errors) with a warning.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Only reads, so it runs in check mode as usual.
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Everything the registry of eu-west-1 holds
  stowage.ecr.ecr_registry_info:
    region: eu-west-1
  register: registry

- name: Its replication rules
  ansible.builtin.debug:
    msg: "{{ registry.replication.rules }}"

- name: Only the pull through cache rules and the creation templates
  stowage.ecr.ecr_registry_info:
    sections: [pull_through_cache_rules, repository_creation_templates]

- name: Write the registry's baseline as the role's variables, to manage it from now on
  ansible.builtin.copy:
    dest: host_vars/prod-eu-west-1.yml
    content: "{{ registry.role_vars | to_nice_yaml(sort_keys=True) }}"
    mode: "0644"
"""

RETURN = r"""
registry_id:
  description: The 12-digit account id of the registry.
  returned: always
  type: str
  sample: "123456789012"
policy:
  description:
    - The registry policy, as M(stowage.ecr.ecr_registry_policy) returns it; null when the registry has none.
  returned: when the section is read
  type: dict
  sample:
    Version: "2012-10-17"
    Statement:
      - Sid: ReplicateIn
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::210987654321:root"}
        Action: [ecr:CreateRepository, ecr:ReplicateImage]
        Resource: arn:aws:ecr:eu-west-1:123456789012:repository/*
replication:
  description:
    - The replication configuration, C(rules) as M(stowage.ecr.ecr_replication) returns them (in the registry's
      order); C(rules) is empty when there is none.
  returned: when the section is read
  type: dict
  sample:
    rules:
      - destinations: [{region: eu-central-1, registry_id: "123456789012"}]
        repository_filters: [{filter: platform/, filter_type: PREFIX_MATCH}]
        delete_replication: false
scanning:
  description:
    - The scanning configuration, C(scan_type) and C(rules) as M(stowage.ecr.ecr_registry_scanning) returns them
      (rules sorted by frequency).
  returned: when the section is read
  type: dict
  sample:
    scan_type: ENHANCED
    rules:
      - scan_frequency: CONTINUOUS_SCAN
        repository_filters: [{filter: prod-*, filter_type: WILDCARD}]
pull_through_cache_rules:
  description:
    - Every pull through cache rule, as M(stowage.ecr.ecr_pull_through_cache_rule) returns its C(rule), sorted by
      C(ecr_repository_prefix).
  returned: when the section is read
  type: list
  elements: dict
  sample:
    - ecr_repository_prefix: ecr-public
      upstream_registry_url: public.ecr.aws
      upstream_registry: ecr-public
      credential_arn: null
      custom_role_arn: null
      upstream_repository_prefix: null
      registry_id: "123456789012"
      created_at: "2026-11-30T07:00:00+00:00"
repository_creation_templates:
  description:
    - Every repository creation template, as M(stowage.ecr.ecr_repository_creation_template) returns its
      C(template), sorted by C(prefix); lifecycle policies canonical.
  returned: when the section is read
  type: list
  elements: dict
  sample:
    - prefix: docker-hub
      description: Docker Hub cache
      applied_for: [PULL_THROUGH_CACHE]
      image_tag_mutability: MUTABLE
      image_tag_mutability_exclusion_filters: []
      encryption_type: AES256
      kms_key: null
      tags: {}
      policy: null
      lifecycle_policy: null
      custom_role_arn: null
account_settings:
  description:
    - Every account setting ECR knows (V(BASIC_SCAN_TYPE_VERSION), V(BLOB_MOUNTING), V(REGISTRY_POLICY_SCOPE)), each
      as M(stowage.ecr.ecr_account_setting) takes and returns it (C(name) and C(value)), sorted by name.
    - A setting that the region does not know, or that the caller may not read, is left out and named in
      RV(skipped_settings).
  returned: when the section is read
  type: list
  elements: dict
  sample:
    - {name: BASIC_SCAN_TYPE_VERSION, value: AWS_NATIVE}
    - {name: BLOB_MOUNTING, value: ENABLED}
    - {name: REGISTRY_POLICY_SCOPE, value: V2}
pull_time_update_exclusions:
  description:
    - The principal ARNs excluded from pull time updates (see M(stowage.ecr.ecr_pull_time_update_exclusion)), sorted.
  returned: when the section is read
  type: list
  elements: str
  sample: [arn:aws:iam::123456789012:role/ci-scanner]
signing:
  description:
    - The signing configuration, C(rules) as M(stowage.ecr.ecr_signing_configuration) returns them (sorted); C(rules)
      is null when the registry has no signing configuration.
  returned: when the section is read
  type: dict
  sample:
    rules:
      - signing_profile_arn: arn:aws:signer:eu-west-1:123456789012:/signing-profiles/release_images
        repository_filters: [{filter: release/*, filter_type: WILDCARD_MATCH}]
errors:
  description:
    - The sections that could not be read (their key is null), each with AWS's error C(code) and C(message).
      Empty when every section was read.
  returned: always
  type: dict
  sample:
    signing:
      code: AccessDeniedException
      message: "An error occurred (AccessDeniedException) when calling the GetSigningConfiguration operation: ..."
skipped_settings:
  description:
    - Account settings that were left out of RV(account_settings) (the region does not know them, or the caller may
      not read them), each with AWS's error C(code) and C(message).
  returned: always
  type: dict
  sample: {}
role_vars:
  description:
    - The variables of the role R(stowage.ecr.ecr_registry,ansible_collections.stowage.ecr.ecr_registry_role) that
      reproduce the sections read; the role with them changes nothing (and writes nothing), and puts back a change
      made outside Ansible later.
    - The region and registry id; the registry policy, or C(ecr_registry_purge_policy=true) when there is none; every
      replication rule with C(ecr_registry_purge_replication_rules=true); the scan type and scanning rules; every
      pull through cache rule, every repository creation template (written out whole) and every pull time update
      exclusion, each list with its purge variable set; every account setting the registry reports, as a dict; the
      signing rules, or C(ecr_registry_purge_signing_rules=true) when there is no signing configuration.
    - A section that was not read, or could not be, has no variable (the role then leaves it alone).
  returned: always
  type: dict
  sample:
    ecr_registry_region: eu-west-1
    ecr_registry_registry_id: "123456789012"
    ecr_registry_purge_policy: true
    ecr_registry_replication_rules: []
    ecr_registry_purge_replication_rules: true
    ecr_registry_scan_type: BASIC
    ecr_registry_scanning_rules: []
    ecr_registry_account_settings: {BASIC_SCAN_TYPE_VERSION: AWS_NATIVE, BLOB_MOUNTING: DISABLED, REGISTRY_POLICY_SCOPE: V2}
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry_info import SECTIONS, registry_report
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        sections=dict(type="list", elements="str", choices=list(SECTIONS), default=list(SECTIONS)),
        fail_on_section_error=dict(type="bool", default=False),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: registry_report(module), "ECR refused a call while reading the registry's settings")


if __name__ == "__main__":
    main()
