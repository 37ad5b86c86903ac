# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of the registry-level configurations, documented once: REPLICATION for ecr_replication,
SCANNING for ecr_registry_scanning and SIGNING for ecr_signing_configuration. Their argument spec is
REPLICATION_RULES, SCANNING_RULES and SIGNING_RULES in plugins/module_utils/_spec/registry_rules.py;
tests/unit/module_utils/_spec/test_spec.py keeps each equal to its piece."""

from __future__ import annotations


class ModuleDocFragment:
    REPLICATION = r"""
options:
  rules:
    description:
      - The replication rules to add or update (O(state=present)) or remove (O(state=absent)).
      - With O(purge_rules=true), all the rules the registry is to hold; V([]) with O(purge_rules=true) removes
        them all.
    type: list
    elements: dict
    required: true
    suboptions:
      destinations:
        description:
          - Where the rule replicates to, 1 or more (at most 25 unique destinations across all rules).
        type: list
        elements: dict
        required: true
        suboptions:
          region:
            description:
              - The region to replicate to, for example V(eu-west-1).
            type: str
            required: true
          registry_id:
            description:
              - The 12-digit account id of the registry to replicate to. Defaults to the registry's own account
                (replication to another region of the same account).
              - A destination in another account needs a registry policy there that lets this account replicate
                (see M(stowage.ecr.ecr_registry_policy)).
            type: str
      repository_filters:
        description:
          - Which repositories the rule replicates, 1 to 100 filters; left out, the rule replicates every
            repository.
        type: list
        elements: dict
        suboptions:
          filter:
            description:
              - A repository name prefix, 2 to 256 characters, for example V(team-a/) or V(prod).
            type: str
            required: true
          filter_type:
            description:
              - V(PREFIX_MATCH), the only type ECR knows. Any case is accepted.
            type: str
            choices: [PREFIX_MATCH]
            default: PREFIX_MATCH
      delete_replication:
        description:
          - Whether image deletions and tag removals are replicated too.
          - Left out, a new rule gets ECR's default (not replicated) and a live rule keeps its setting.
        type: bool
"""

    SCANNING = r"""
options:
  rules:
    description:
      - The scanning rules, at most 2, each frequency once. V([]) removes the registry's rules.
      - Left out, the registry's rules stay.
    type: list
    elements: dict
    suboptions:
      scan_frequency:
        description:
          - V(SCAN_ON_PUSH) or V(CONTINUOUS_SCAN) (V(ENHANCED) only). V(MANUAL) is in the API's list, but no scan
            type takes it in a rule. Any case is accepted.
        type: str
        required: true
        choices: [SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL]
      repository_filters:
        description:
          - Which repositories the rule scans, 1 to 100 filters.
        type: list
        elements: dict
        required: true
        suboptions:
          filter:
            description:
              - A repository name pattern, 1 to 255 characters of lowercase letters, digits, C(.), C(_), C(-), C(/)
                and the wildcard C(*), for example V(prod-*) or V(*).
            type: str
            required: true
          filter_type:
            description:
              - V(WILDCARD), the only type ECR knows. Any case is accepted.
            type: str
            choices: [WILDCARD]
            default: WILDCARD
"""

    SIGNING = r"""
options:
  rules:
    description:
      - The signing rules, at most 10. Required with O(state=present); V([]) keeps a configuration without rules.
    type: list
    elements: dict
    suboptions:
      signing_profile_arn:
        description:
          - The ARN of the AWS Signer signing profile, for example
            V(arn:aws:signer:eu-west-1:123456789012:/signing-profiles/release_images).
        type: str
        required: true
      repository_filters:
        description:
          - Which repositories the rule signs the images of, 1 to 100 filters; left out, every repository.
        type: list
        elements: dict
        suboptions:
          filter:
            description:
              - A repository name pattern, 1 to 256 characters, with C(*) matching any sequence, for example
                V(myapp/*), V(*/production) or V(*prod*).
            type: str
            required: true
          filter_type:
            description:
              - V(WILDCARD_MATCH), the only type ECR knows. Any case is accepted.
            type: str
            choices: [WILDCARD_MATCH]
            default: WILDCARD_MATCH
"""
