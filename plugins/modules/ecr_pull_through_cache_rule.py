#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_pull_through_cache_rule
short_description: Create, update or delete an Amazon ECR pull through cache rule
version_added: 0.2.0
description:
  - Manages the pull through cache rule of one ECR repository prefix. A pull of
    C(<registry>/<prefix>/<image>) from the private registry makes ECR fetch the image from the upstream
    registry, create the repository C(<prefix>/<image>) if need be (see
    M(stowage.ecr.ecr_repository_creation_template) for its settings) and keep the image there.
  - The credential (O(credential_arn)) and the role (O(custom_role_arn)) of an existing rule are changed
    in place. ECR cannot change the upstream registry, its URL or the upstream repository prefix of a rule;
    such a change is refused, and nothing is written, unless O(recreate=true).
  - A re-create deletes the rule and creates it again at once. It touches the rule only; the
    repositories the rule created, their images, settings and lifecycle policies stay as they are, and
    the next pull of an image that is not cached yet goes to the new upstream. If the create fails, the
    old rule is put back.
  - Every input is checked before any call that writes, against the ECR API model and the rules of the
    ECR API Reference and User Guide; an error names the option and says what is accepted.
author:
  - stowage.ecr contributors (@stowage)
options:
  ecr_repository_prefix:
    description:
      - The repository name prefix in the private registry that the rule caches into, 2 to 30 characters
        of lowercase letters, digits, V(.), V(_), V(-) and V(/) (ECR treats V(prefix) as V(prefix/)).
      - V(ROOT) makes the rule serve every repository without a rule of its own; ECR accepts it with
        O(upstream_registry=ecr) only.
    type: str
    required: true
    aliases: [prefix]
  upstream_registry_url:
    description:
      - The upstream registry's host name, without scheme or path. Required with O(state=present).
      - V(public.ecr.aws) (ecr-public), V(registry-1.docker.io) (docker-hub), V(ghcr.io)
        (github-container-registry), V(registry.gitlab.com) (gitlab-container-registry), V(registry.k8s.io)
        (k8s), V(quay.io) (quay), V(cgr.dev) (chainguard), V(<registry>.azurecr.io)
        (azure-container-registry) or V(<account id>.dkr.ecr.<region>.amazonaws.com) (ecr).
    type: str
  upstream_registry:
    description:
      - The kind of upstream registry. Told from O(upstream_registry_url) when left out; when given, the URL
        must be that registry's.
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
    description:
      - The ARN of the Secrets Manager secret with the upstream registry's credentials (a JSON object with
        C(username) and C(accessToken)). Its name must start with V(ecr-pullthroughcache/), and it must be
        in the rule's account and region.
      - Required for docker-hub, github-container-registry, gitlab-container-registry,
        azure-container-registry and chainguard; not accepted with ecr. Changed in place.
      - When left out, the rule's credential is kept.
    type: str
  custom_role_arn:
    description:
      - The ARN of the IAM role, in the registry's own account, that ECR assumes to pull from an upstream
        ECR registry. Only with O(upstream_registry=ecr); required when the upstream registry is another
        account's. Changed in place.
      - When left out, the rule's role is kept.
    type: str
  upstream_repository_prefix:
    description:
      - With O(upstream_registry=ecr), the repository prefix in the upstream registry that the cached
        repositories map to (2 to 30 characters, or V(ROOT), the default, for any repository).
      - Not accepted with O(ecr_repository_prefix=ROOT). Changing it needs O(recreate=true).
    type: str
  state:
    description:
      - V(present) creates or updates the rule, V(absent) deletes it. Deleting a rule leaves the
        repositories it created and their images.
  recreate:
    description:
      - Allow a change that ECR can only make by deleting the rule and creating it again (the upstream
        registry, its URL or the upstream repository prefix).
      - When false, such a change fails the task before anything is written.
    type: bool
    default: false
  validate:
    description:
      - After the rule is in place, ask ECR to validate it (ValidatePullThroughCacheRule, for which ECR reads
        the secret and authenticates to the upstream registry) and return the verdict as RV(validation).
      - In check mode only a rule that exists and does not change is validated; otherwise RV(validation)
        is null.
    type: bool
    default: false
  fail_on_invalid:
    description:
      - With O(validate=true), fail the task when ECR finds the rule not valid. The rule stays as written
        (the task reports changed when it changed it), and the failure message holds ECR's reason.
      - Set to false to only report the verdict.
    type: bool
    default: true
attributes:
  check_mode:
    description: Reads the live rule and reports what would change, without writing.
  diff_mode:
    description: Returns the rule before and after, in the options' words.
extends_documentation_fragment: [stowage.ecr.target.REGISTRY, stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Cache Docker Hub images under docker-hub/
  stowage.ecr.ecr_pull_through_cache_rule:
    ecr_repository_prefix: docker-hub
    upstream_registry_url: registry-1.docker.io
    credential_arn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf
    validate: true

- name: Cache ECR Public images (no credentials needed)
  stowage.ecr.ecr_pull_through_cache_rule:
    ecr_repository_prefix: ecr-public
    upstream_registry_url: public.ecr.aws

- name: Cache the team/ repositories of another account's registry
  stowage.ecr.ecr_pull_through_cache_rule:
    ecr_repository_prefix: upstream-team
    upstream_registry_url: 210987654321.dkr.ecr.eu-west-1.amazonaws.com
    upstream_repository_prefix: team
    custom_role_arn: arn:aws:iam::123456789012:role/ecr-pull-through-cache

- name: Move a rule to another upstream registry (deletes and creates the rule; cached repositories stay)
  stowage.ecr.ecr_pull_through_cache_rule:
    ecr_repository_prefix: mirror
    upstream_registry_url: quay.io
    recreate: true

- name: Report the verdict without failing on an invalid rule
  stowage.ecr.ecr_pull_through_cache_rule:
    ecr_repository_prefix: docker-hub
    upstream_registry_url: registry-1.docker.io
    validate: true
    fail_on_invalid: false
  register: ptc

- name: Remove the rule
  stowage.ecr.ecr_pull_through_cache_rule:
    ecr_repository_prefix: docker-hub
    state: absent
"""

RETURN = r"""
rule:
  description:
    - The rule after the task (in check mode, as it would be), every field of the API's
      PullThroughCacheRule in snake_case. Empty when there is no rule.
  returned: always
  type: dict
  contains:
    ecr_repository_prefix: {description: The repository prefix in the private registry., type: str, sample: docker-hub}
    upstream_registry_url: {description: The upstream registry's host name., type: str, sample: registry-1.docker.io}
    upstream_registry: {description: The kind of upstream registry., type: str, sample: docker-hub}
    credential_arn: {description: "The ARN of the secret with the upstream credentials, or null.", type: str}
    custom_role_arn: {description: "The ARN of the role ECR assumes for an ECR upstream, or null.", type: str}
    upstream_repository_prefix: {description: "The upstream repository prefix (ECR upstreams), or null.", type: str}
    registry_id: {description: The registry's account id., type: str, sample: "123456789012"}
    created_at: {description: "When the rule was created (ISO 8601); absent in check mode for a new rule.", type: str}
    updated_at: {description: "When the rule was last updated (ISO 8601).", type: str}
operation:
  description:
    - What the task did (in check mode, would do) to the rule, V(create), V(update) (in place),
      V(recreate) (delete and create), V(delete), or null for nothing.
  returned: always
  type: str
  sample: update
validation:
  description:
    - With O(validate=true), ECR's verdict on the rule; null otherwise, and in check mode unless the rule
      exists and does not change.
  returned: always
  type: dict
  contains:
    is_valid: {description: Whether ECR could read the credentials and authenticate to the upstream registry., type: bool}
    failure: {description: "ECR's reason when it is not valid, else null.", type: str}
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry_rules import pull_through_cache_rule_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import rule_options
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REGISTRY, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(**rule_options(), **spec(REGISTRY))
    module = ecr_module(argument_spec, supports_check_mode=True, required_if=[("state", "present", ("upstream_registry_url",))])
    prefix = module.params["ecr_repository_prefix"]
    conclude(module, lambda: pull_through_cache_rule_report(module), "ECR refused a pull through cache rule call for prefix %s" % prefix)


if __name__ == "__main__":
    main()
