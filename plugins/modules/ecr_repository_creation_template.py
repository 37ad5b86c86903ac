#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository_creation_template
short_description: Create, update or delete an Amazon ECR repository creation template
version_added: 0.2.0
description:
  - Manages the repository creation template of one repository prefix. When ECR creates a repository on
    the registry's behalf (a pull through cache, replication, or a push to a repository that does not
    exist yet), the repository gets the settings of the template whose prefix matches its name, or of the
    V(ROOT) template.
  - A template only acts on repositories created after it; changing or deleting it changes no existing
    repository (use M(stowage.ecr.ecr_repository) for those).
  - Every setting is changed in place (UpdateRepositoryCreationTemplate), encryption included. An option
    left out keeps the template's value; the module sends the template's other values with every update.
  - The repository and lifecycle policies are compared semantically with the live ones, tags as a set.
  - O(tags) are the resource tags of the new repositories (numbers are written as strings); they need
    O(custom_role_arn), as ECR uses the role to tag the repository.
author:
  - stowage.ecr contributors (@stowage)
options:
  prefix:
    description:
      - The repository name prefix the template applies to, 1 to 256 characters of lowercase letters, digits,
        V(.), V(_), V(-) and V(/) (ECR treats V(prod) as V(prod/)), or V(ROOT) for every repository that no
        other template matches.
      - For a pull through cache, use the rule's O(stowage.ecr.ecr_pull_through_cache_rule#module:ecr_repository_prefix).
    type: str
    required: true
  applied_for:
    description:
      - When ECR applies the template. Required to create a template; when left out, an existing template
        keeps its list.
    type: list
    elements: str
    choices: [REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH]
  description:
    description:
      - What the template is for, up to 256 characters. V("") removes it.
    type: str
  image_tag_mutability:
    description:
      - Whether image tags of the new repositories can be overwritten.
      - With V(IMMUTABLE_WITH_EXCLUSION) or V(MUTABLE_WITH_EXCLUSION), tags that match
        O(image_tag_mutability_exclusion_filters) follow the opposite rule.
      - A new template is V(MUTABLE) when this is left out.
    type: str
    choices: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]
  image_tag_mutability_exclusion_filters:
    description:
      - 1 to 5 wildcard filters (letters, digits, V(.), V(_), V(-) and V(*), up to 128 characters each) for
        the tags exempt from O(image_tag_mutability).
      - Only with O(image_tag_mutability=IMMUTABLE_WITH_EXCLUSION) or V(MUTABLE_WITH_EXCLUSION). When left
        out with one of those, the template's current filters are kept.
    type: list
    elements: str
  encryption_type:
    description:
      - How the new repositories encrypt images at rest. A new template uses V(AES256) when this is left out.
    type: str
    choices: [AES256, KMS, KMS_DSSE]
  kms_key:
    description:
      - The KMS key for O(encryption_type=KMS) or V(KMS_DSSE), as an alias (V(alias/my-key)), an alias ARN, a
        key id or a key ARN in the template's region. A template holds key ARNs only, so anything else is
        looked up with KMS first.
      - Left out (or V(alias/aws/ecr)) with a KMS type, the new repositories use the AWS managed key.
      - A customer managed key needs O(custom_role_arn) (ECR uses the role to create the repository).
    type: str
  policy:
    description:
      - The repository policy (an IAM resource policy document) for the new repositories, as a dict or a
        JSON string, up to 10240 characters. Compared semantically with the template's.
      - When left out, the template's policy is not touched (see O(purge_policy)).
    type: json
    aliases: [repository_policy]
  purge_policy:
    description:
      - Remove the repository policy from the template. Not with O(policy).
    type: bool
    default: false
  lifecycle_rules:
    description:
      - The lifecycle policy for the new repositories as the typed rules of M(stowage.ecr.ecr_lifecycle_policy),
        each a dict with the keys of its O(stowage.ecr.ecr_lifecycle_policy#module:rules) (V(priority),
        V(description), V(tag_status), V(tag_prefixes), V(tag_patterns), V(count_type), V(count_number),
        V(count_unit), V(storage_class), V(action), V(target_storage_class)), checked the same way.
      - An empty list removes the template's lifecycle policy. When this and O(lifecycle_policy) are left out,
        the template's lifecycle policy is not touched.
    type: list
    elements: dict
  lifecycle_policy:
    description:
      - 'The lifecycle policy for the new repositories as AWS writes it, C({"rules": [...]}), as a dict or a
        JSON string, instead of O(lifecycle_rules); checked like O(stowage.ecr.ecr_lifecycle_policy#module:policy).'
    type: json
  custom_role_arn:
    description:
      - The ARN of an IAM role in the registry's account that ECR assumes to create repositories from the
        template; needed for resource tags and customer managed KMS keys. Without one, ECR uses its
        service-linked role.
      - When left out, the template's role is kept; V("") removes it.
    type: str
  state:
    description:
      - V(present) creates or updates the template, V(absent) deletes it (existing repositories keep their
        settings).
attributes:
  check_mode:
    description: Reads the live template and reports what would change, without writing.
  diff_mode:
    description: Returns the template before and after, in the options' words.
extends_documentation_fragment: [stowage.ecr.state,
  amazon.aws.tags,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Settings of the repositories a Docker Hub pull through cache creates
  stowage.ecr.ecr_repository_creation_template:
    prefix: docker-hub
    applied_for: [PULL_THROUGH_CACHE]
    description: Docker Hub cache
    image_tag_mutability: MUTABLE
    lifecycle_rules:
      - priority: 1
        description: Drop cached images nobody pulled for 90 days
        tag_status: any
        count_type: since_image_pulled
        count_number: 90

- name: Every repository created on push or by replication is immutable and tagged
  stowage.ecr.ecr_repository_creation_template:
    prefix: ROOT
    applied_for: [CREATE_ON_PUSH, REPLICATION]
    image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusion_filters: [latest, "dev-*"]
    encryption_type: KMS
    kms_key: alias/ecr-repositories
    tags:
      owner: platform
    custom_role_arn: arn:aws:iam::123456789012:role/ecr-repository-creation

- name: Remove the template (existing repositories are not touched)
  stowage.ecr.ecr_repository_creation_template:
    prefix: docker-hub
    state: absent
"""

RETURN = r"""
template:
  description:
    - The template after the task (in check mode, as it would be), in the options' words, with every other
      field of the API's RepositoryCreationTemplate in snake_case. Empty when there is none.
  returned: always
  type: dict
  contains:
    prefix: {description: The prefix., type: str, sample: docker-hub}
    description: {description: "The description, or null.", type: str}
    applied_for: {description: "The scenarios, sorted.", type: list, elements: str, sample: [PULL_THROUGH_CACHE]}
    image_tag_mutability: {description: The image tag mutability., type: str, sample: MUTABLE}
    image_tag_mutability_exclusion_filters: {description: "The exclusion filters, sorted.", type: list, elements: str}
    encryption_type: {description: The encryption type., type: str, sample: AES256}
    kms_key: {description: "The KMS key ARN, or null for none or the AWS managed key.", type: str}
    tags: {description: The resource tags., type: dict}
    policy: {description: "The repository policy, or null.", type: dict}
    lifecycle_policy: {description: "The lifecycle policy, canonical (rules sorted by priority), or null.", type: dict}
    custom_role_arn: {description: "The role ECR assumes, or null.", type: str}
    created_at: {description: "When the template was created (ISO 8601); absent in check mode for a new template.", type: str}
    updated_at: {description: "When it was last updated (ISO 8601).", type: str}
operation:
  description:
    - What the task did (in check mode, would do) to the template, V(create), V(update), V(delete), or null
      for nothing.
  returned: always
  type: str
  sample: update
changes:
  description: The options whose value the task changed (in check mode, would change), sorted.
  returned: always
  type: list
  elements: str
  sample: [lifecycle_policy, tags]
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry_rules import creation_template_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import template_options
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    module = ecr_module(template_options(), supports_check_mode=True, mutually_exclusive=[("lifecycle_rules", "lifecycle_policy")])
    prefix = module.params["prefix"]
    conclude(module, lambda: creation_template_report(module), "ECR refused a repository creation template call for prefix %s" % prefix)


if __name__ == "__main__":
    main()
