#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_replication
short_description: Add, update or remove replication rules of an Amazon ECR private registry
version_added: 0.2.0
description:
  - Manages rules of the replication configuration of the caller's private registry in the region, B(rule by
    rule). ECR keeps one replication configuration per registry and region, shared by every team that
    replicates from it; this module reads it, merges the task's O(rules) into it and writes the whole back only
    when it differs. Rules that the registry holds and the task does not name stay as they are, unless
    O(purge_rules=true).
  - "A rule is identified by its destinations and its repository filters, as sets (order and duplicates make no
    difference): a task rule with the same destinations and filters as a live rule B(is) that rule. The one
    setting of a rule outside its identity, O(rules[].delete_replication), is updated in place; left out, the
    live rule's setting stays."
  - A rule with other destinations or filters is another rule. To change a rule's destinations or filters,
    remove the old rule (O(state=absent)) and add the new one, or name all the registry's rules with
    O(purge_rules=true).
  - The comparison is order-insensitive; a configuration that holds the same rules in another order is left
    as it is.
  - Before any write, the merged configuration is checked against ECR's limits (at most 10 rules, at most 25
    unique destinations across all rules, at most 100 filters a rule, no destination equal to the registry
    itself); a message names the option, for example C(rules[1].destinations[0].region) (list items count
    from 0).
  - ECR has no conditional write. Two runs that change the configuration at the same moment can still lose one
    of the changes (the later write wins); a second run of the task restores its rules.
author:
  - stowage.ecr contributors (@stowage)
options:
  purge_rules:
    description:
      - With O(state=present), remove the registry's rules that O(rules) does not name.
      - Not accepted with O(state=absent).
    type: bool
    default: false
  state:
    description:
      - V(present) adds or updates the rules of O(rules), V(absent) removes them and no others.
attributes:
  check_mode:
    description: Reads the live configuration and reports whether it would change, without writing.
  diff_mode:
    description: Returns the registry's rules before and after.
extends_documentation_fragment: [stowage.ecr.registry_rules.REPLICATION, stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Replicate the platform team's repositories to eu-west-1 (other teams' rules stay)
  stowage.ecr.ecr_replication:
    rules:
      - destinations:
          - region: eu-west-1
        repository_filters:
          - filter: platform/

- name: Replicate everything to a disaster-recovery account, deletions included
  stowage.ecr.ecr_replication:
    rules:
      - destinations:
          - region: us-east-2
            registry_id: "210987654321"
        delete_replication: true

- name: Remove one rule, and only that one
  stowage.ecr.ecr_replication:
    state: absent
    rules:
      - destinations:
          - region: eu-west-1
        repository_filters:
          - filter: platform/

- name: The registry holds exactly these rules
  stowage.ecr.ecr_replication:
    purge_rules: true
    rules:
      - destinations:
          - region: eu-west-1
          - region: eu-central-1
        repository_filters:
          - filter: prod
"""

RETURN = r"""
registry_id:
  description: The 12-digit account id of the registry that replicates by these rules (the caller's, in the region).
  returned: always
  type: str
  sample: "123456789012"
rules:
  description:
    - All the replication rules of the registry after the task (in check mode, as they would be), in the
      registry's order, in the options' words.
  returned: always
  type: list
  elements: dict
  contains:
    destinations:
      description: The destinations, each with C(region) and C(registry_id).
      type: list
      elements: dict
    repository_filters:
      description: The filters, each with C(filter) and C(filter_type); empty for a rule that replicates every repository.
      type: list
      elements: dict
    delete_replication:
      description: Whether deletions are replicated.
      type: bool
  sample:
    - destinations:
        - region: eu-west-1
          registry_id: "123456789012"
      repository_filters:
        - filter: platform/
          filter_type: PREFIX_MATCH
      delete_replication: false
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry import replication_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import REPLICATION_RULES
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **REPLICATION_RULES,
        purge_rules=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: replication_report(module), "ECR refused a replication configuration call")


if __name__ == "__main__":
    main()
