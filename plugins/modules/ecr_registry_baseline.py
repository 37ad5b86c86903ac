#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_registry_baseline
short_description: Apply the registry-level baseline of an Amazon ECR private registry in one run
version_added: 0.3.0
description:
  - Brings every registry-level section the task gives to the requested state, in one module run - account
    settings, registry policy, scanning configuration, repository creation templates, pull through cache rules,
    replication rules, pull time update exclusions and signing rules. Each section means what its own module
    does (M(stowage.ecr.ecr_account_setting), M(stowage.ecr.ecr_registry_policy),
    M(stowage.ecr.ecr_registry_scanning), M(stowage.ecr.ecr_repository_creation_template),
    M(stowage.ecr.ecr_pull_through_cache_rule), M(stowage.ecr.ecr_replication),
    M(stowage.ecr.ecr_pull_time_update_exclusion), M(stowage.ecr.ecr_signing_configuration)), with the same checks.
  - An option left out (null) leaves its section alone; it is not even read.
  - Every section given is read once, all of them concurrently; then all are checked and planned, the checks
    that need the live registry included. When any section is at fault, the task fails before the first write,
    with every section's errors, each naming its option path (for example V(signing_rules[0].signing_profile_arn)).
  - Only then are the differences written, section after section in this order - account settings, registry policy,
    scanning, creation templates (before the rules that create repositories from them), pull through cache rules,
    replication rules, pull time update exclusions, signing rules. A failure part-way fails the task with the
    sections written so far.
  - Replication rules are merged rule by rule, so that rules other teams put in the registry stay, unless
    O(purge_replication_rules=true).
  - The role C(stowage.ecr.ecr_registry) checks its variables and runs this module.
author:
  - stowage.ecr contributors (@stowage)
options:
  registry_id:
    description:
      - The 12-digit account id the registry must have. The task fails before any write when the credentials reach
        another account's registry. It is also the registry of the pull through cache rules.
      - Left out, the baseline applies to the caller's own registry.
    type: str
  account_settings:
    description:
      - "ECR account settings, as a dict of name to value (C({BLOB_MOUNTING: ENABLED})) or a list of dicts with
        C(name) and C(value); see M(stowage.ecr.ecr_account_setting) for the settings and values. Any case is
        accepted. Settings not named are left as they are."
    type: raw
  policy:
    description:
      - The registry permissions policy, an IAM policy document as a dict or a JSON string, compared semantically
        with the live one.
    type: json
  purge_policy:
    description:
      - Delete the registry policy. Not together with O(policy).
    type: bool
    default: false
  scan_type:
    description:
      - The registry's scan type. Left out, the live one stays. Any case is accepted.
    type: str
    choices: [BASIC, ENHANCED]
  scanning_rules:
    description:
      - The registry's scanning rules (at most 2, each frequency once); they replace the live rules as a whole.
        V([]) removes them. Left out, the live rules stay.
    type: list
    elements: dict
    suboptions:
      scan_frequency:
        description: V(SCAN_ON_PUSH), or V(CONTINUOUS_SCAN) with the V(ENHANCED) scan type. Any case is accepted.
        type: str
        required: true
        choices:
        - SCAN_ON_PUSH
        - CONTINUOUS_SCAN
        - MANUAL
      repository_filters:
        description: Which repositories the rule scans, 1 to 100 filters.
        type: list
        elements: dict
        required: true
        suboptions:
          filter:
            description: 'The filter: a repository name prefix (replication) or a pattern with the wildcard C(*) (scanning,
              signing).'
            type: str
            required: true
          filter_type:
            description: The filter's type, the only one ECR knows for the rule's kind (the default). Any case is accepted.
            type: str
            default: WILDCARD
            choices:
            - WILDCARD
  repository_creation_templates:
    description:
      - Repository creation templates, each with the options of M(stowage.ecr.ecr_repository_creation_template)
        (each prefix once). An option an item leaves out keeps the template's value.
      - Templates not listed are left as they are, unless O(purge_repository_creation_templates=true).
    type: list
    elements: dict
    suboptions:
      image_tag_mutability:
        description: The tag mutability of the repositories made from the template. Any case is accepted.
        type: str
        choices:
        - MUTABLE
        - IMMUTABLE
        - IMMUTABLE_WITH_EXCLUSION
        - MUTABLE_WITH_EXCLUSION
      image_tag_mutability_exclusion_filters:
        description: Wildcard filters of the tags exempt from the mutability setting.
        type: list
        elements: str
      encryption_type:
        description: The encryption of the repositories made from the template. Any case is accepted.
        type: str
        choices:
        - AES256
        - KMS
        - KMS_DSSE
      kms_key:
        description: The KMS key (alias, key id or ARN) with a KMS encryption type.
        type: str
      tags:
        description: Resource tags of the repositories made from the template.
        type: dict
        aliases:
        - resource_tags
      purge_tags:
        description: With O(repository_creation_templates[].tags), remove the template's tags it does not list.
        type: bool
        default: true
      policy:
        description: The repository policy of the repositories made from the template, as a dict or a JSON string.
        type: json
        aliases:
        - repository_policy
      purge_policy:
        description: Remove the repository policy from the template.
        type: bool
        default: false
      prefix:
        description: The repository name prefix, or V(ROOT).
        type: str
        required: true
      applied_for:
        description: When the template applies, V(REPLICATION), V(PULL_THROUGH_CACHE) and/or V(CREATE_ON_PUSH); required
          to create a template. Any case is accepted.
        type: list
        elements: str
        choices:
        - REPLICATION
        - PULL_THROUGH_CACHE
        - CREATE_ON_PUSH
      description:
        description: What the template is for; V("") removes it.
        type: str
      lifecycle_rules:
        description: The lifecycle policy as the typed rules of M(stowage.ecr.ecr_lifecycle_policy); V([]) removes it.
        type: list
        elements: dict
      lifecycle_policy:
        description: The lifecycle policy as AWS writes it, instead of O(repository_creation_templates[].lifecycle_rules).
        type: json
      custom_role_arn:
        description: The IAM role ECR assumes to create repositories from the template; V("") removes it.
        type: str
      state:
        description: V(present) creates or updates it, V(absent) deletes it.
        type: str
        default: present
        choices:
        - present
        - absent
  purge_repository_creation_templates:
    description:
      - Delete the registry's templates O(repository_creation_templates) does not list (existing repositories keep
        their settings). Only with O(repository_creation_templates).
    type: bool
    default: false
  pull_through_cache_rules:
    description:
      - Pull through cache rules, each with the options of M(stowage.ecr.ecr_pull_through_cache_rule) (each prefix
        once), in the registry O(registry_id). An option an item leaves out keeps the rule's value where ECR can keep it.
      - Rules not listed are left as they are, unless O(purge_pull_through_cache_rules=true).
    type: list
    elements: dict
    suboptions:
      ecr_repository_prefix:
        description: The repository prefix the rule caches into, or V(ROOT).
        type: str
        required: true
        aliases:
        - prefix
      upstream_registry_url:
        description: The upstream registry's host name; required unless O(pull_through_cache_rules[].state=absent).
        type: str
      upstream_registry:
        description: The kind of upstream registry; told from the URL when left out.
        type: str
        choices:
        - ecr
        - ecr-public
        - quay
        - k8s
        - docker-hub
        - github-container-registry
        - azure-container-registry
        - gitlab-container-registry
        - chainguard
      credential_arn:
        description: The Secrets Manager secret with the upstream credentials; kept out of logs and results. Left out,
          the rule's credential is kept.
        type: str
      custom_role_arn:
        description: The IAM role ECR assumes for an ECR upstream. Left out, the rule's role is kept.
        type: str
      upstream_repository_prefix:
        description: The upstream repository prefix, with an ECR upstream.
        type: str
      state:
        description: V(present) creates or updates the rule, V(absent) deletes it.
        type: str
        default: present
        choices:
        - present
        - absent
      recreate:
        description: Allow a change that ECR makes only by deleting and creating the rule again; without it such a change
          is refused before any write.
        type: bool
        default: false
      validate:
        description: After the writes, ask ECR to validate the rule (ValidatePullThroughCacheRule); the verdict is the
          rule's C(validation) in RV(sections).
        type: bool
        default: false
      fail_on_invalid:
        description: With O(pull_through_cache_rules[].validate=true), fail the task when ECR finds the rule not valid
          (after the writes).
        type: bool
        default: true
      registry_id:
        description: The registry's account id; O(registry_id) when left out. Every rule names the same registry.
        type: str
  purge_pull_through_cache_rules:
    description:
      - Delete the registry's rules O(pull_through_cache_rules) does not list (the repositories they created stay).
        Only with O(pull_through_cache_rules).
    type: bool
    default: false
  replication_rules:
    description:
      - Replication rules, as M(stowage.ecr.ecr_replication) takes them, merged into the registry's replication
        configuration rule by rule.
    type: list
    elements: dict
    suboptions:
      destinations:
        description: Where the rule replicates to.
        type: list
        elements: dict
        required: true
        suboptions:
          region:
            description: The destination region.
            type: str
            required: true
          registry_id:
            description: The destination account id (default the registry's own).
            type: str
      repository_filters:
        description: Which repositories the rule scans, 1 to 100 filters.
        type: list
        elements: dict
        suboptions:
          filter:
            description: 'The filter: a repository name prefix (replication) or a pattern with the wildcard C(*) (scanning,
              signing).'
            type: str
            required: true
          filter_type:
            description: The filter's type, the only one ECR knows for the rule's kind (the default). Any case is accepted.
            type: str
            default: PREFIX_MATCH
            choices:
            - PREFIX_MATCH
      delete_replication:
        description: Whether deletions are replicated too.
        type: bool
  purge_replication_rules:
    description:
      - Remove the registry's replication rules O(replication_rules) does not list. Only with O(replication_rules).
    type: bool
    default: false
  pull_time_update_exclusions:
    description:
      - ARNs of IAM roles or users whose pulls do not update an image's last pull time (see
        M(stowage.ecr.ecr_pull_time_update_exclusion)). Principals not listed stay excluded, unless
        O(purge_pull_time_update_exclusions=true).
    type: list
    elements: str
  purge_pull_time_update_exclusions:
    description:
      - Remove the exclusions of the principals O(pull_time_update_exclusions) does not list. Only with
        O(pull_time_update_exclusions).
    type: bool
    default: false
  signing_rules:
    description:
      - The registry's signing rules, as M(stowage.ecr.ecr_signing_configuration) takes them; the configuration
        holds exactly these. V([]) keeps a configuration without rules.
    type: list
    elements: dict
    suboptions:
      signing_profile_arn:
        description: The AWS Signer signing profile.
        type: str
        required: true
      repository_filters:
        description: Which repositories the rule scans, 1 to 100 filters.
        type: list
        elements: dict
        suboptions:
          filter:
            description: 'The filter: a repository name prefix (replication) or a pattern with the wildcard C(*) (scanning,
              signing).'
            type: str
            required: true
          filter_type:
            description: The filter's type, the only one ECR knows for the rule's kind (the default). Any case is accepted.
            type: str
            default: WILDCARD_MATCH
            choices:
            - WILDCARD_MATCH
  purge_signing_rules:
    description:
      - Delete the registry's signing configuration. Not together with O(signing_rules).
    type: bool
    default: false
  strict:
    description:
      - Fail, before the first write, on what would otherwise be a warning (a creation template with resource
        tags or a customer managed key and no C(custom_role_arn)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the sections given and reports, section by section, what would change, without writing.
  diff_mode:
    support: full
    description: Returns each changed section before and after.
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: The registry baseline of this account and region
  stowage.ecr.ecr_registry_baseline:
    region: eu-west-1
    registry_id: "123456789012"
    account_settings: {BLOB_MOUNTING: ENABLED}
    scan_type: ENHANCED
    scanning_rules:
      - scan_frequency: CONTINUOUS_SCAN
        repository_filters: [{filter: "prod-*"}]
    repository_creation_templates:
      - prefix: docker-hub
        applied_for: [PULL_THROUGH_CACHE]
        lifecycle_rules:
          - {priority: 1, tag_status: any, count_type: since_image_pulled, count_number: 90}
    pull_through_cache_rules:
      - ecr_repository_prefix: docker-hub
        upstream_registry_url: registry-1.docker.io
        credential_arn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf
    replication_rules:
      - destinations: [{region: eu-central-1}]
        repository_filters: [{filter: platform/}]
  register: baseline

- name: Only the templates, exactly these (others are deleted)
  stowage.ecr.ecr_registry_baseline:
    repository_creation_templates:
      - prefix: ROOT
        applied_for: [CREATE_ON_PUSH]
        image_tag_mutability: IMMUTABLE
    purge_repository_creation_templates: true
"""

RETURN = r"""
changed:
  description: Whether any section changed (in check mode, would change).
  returned: always
  type: bool
registry_id:
  description: The 12-digit account id of the registry, when a section read names it or O(registry_id) gives it.
  returned: always
  type: str
  sample: "123456789012"
sections:
  description:
    - Each section the task gives, by name - C(account_settings), C(policy), C(scanning),
      C(repository_creation_templates), C(pull_through_cache_rules), C(replication_rules),
      C(pull_time_update_exclusions), C(signing_rules) - with C(changed), C(before) and C(after) (in check mode, as
      it would be), in the words of the section's own module. C(account_settings) is a dict of name to value;
      C(scanning) has C(scan_type) and C(rules); the templates and rules are dicts by prefix of the ones the task
      touches; the exclusions are a sorted list; C(signing_rules) is null for no configuration.
    - C(repository_creation_templates) also has C(templates), each with C(prefix), C(operation) (V(create),
      V(update), V(delete) or null), C(changes) and C(template); C(pull_through_cache_rules) has C(rules), each with
      C(ecr_repository_prefix), C(operation), C(rule) and C(validation).
  returned: always
  type: dict
  sample:
    policy: {changed: false, before: {Version: "2012-10-17", Statement: []}, after: {Version: "2012-10-17", Statement: []}}
    scanning:
      changed: true
      before: {scan_type: BASIC, rules: []}
      after: {scan_type: ENHANCED, rules: [{scan_frequency: SCAN_ON_PUSH, repository_filters: [{filter: "*", filter_type: WILDCARD}]}]}
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.baseline import baseline_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import (
    REPLICATION_RULE_OPTIONS,
    SCAN_TYPES,
    SCANNING_RULE_OPTIONS,
    SIGNING_RULE_OPTIONS,
    rule_options,
    template_options,
)
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def items(options):
    return dict(type="list", elements="dict", options=options)


def main():
    argument_spec = dict(
        registry_id=dict(type="str"),
        account_settings=dict(type="raw"),
        policy=dict(type="json"),
        purge_policy=dict(type="bool", default=False),
        scan_type=dict(type="str", choices=any_case(SCAN_TYPES)),
        scanning_rules=items(SCANNING_RULE_OPTIONS),
        repository_creation_templates=items(template_options()),
        purge_repository_creation_templates=dict(type="bool", default=False),
        pull_through_cache_rules=items(dict(rule_options(credential_no_log=True), registry_id=dict(type="str"))),
        purge_pull_through_cache_rules=dict(type="bool", default=False),
        replication_rules=items(REPLICATION_RULE_OPTIONS),
        purge_replication_rules=dict(type="bool", default=False),
        pull_time_update_exclusions=dict(type="list", elements="str"),
        purge_pull_time_update_exclusions=dict(type="bool", default=False),
        signing_rules=items(SIGNING_RULE_OPTIONS),
        purge_signing_rules=dict(type="bool", default=False),
        strict=dict(type="bool", default=False),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: baseline_report(module), "ECR refused a registry baseline call")


if __name__ == "__main__":
    main()
