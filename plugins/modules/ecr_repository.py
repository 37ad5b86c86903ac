#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository
short_description: Create, update or delete an Amazon ECR repository
version_added: 0.1.0
description:
  - Creates, updates or deletes a private Amazon ECR repository, with its image tag mutability,
    scan on push, encryption, resource tags and repository policy.
  - Every setting is optional. A setting left out of the task is left as it is on the repository;
    it is never reset to a default.
  - Encryption can only be chosen when the repository is created. When O(encryption_type) or
    O(kms_key) differ from an existing repository's, the task fails and changes nothing.
    KMS keys are compared after resolving aliases, key ids and ARNs with KMS.
  - Input is checked before any call that writes; a task that fails on bad input changes nothing.
author:
  - stowage.ecr contributors (@stowage)
options:
  state:
    description:
      - V(present) creates or updates the repository, V(absent) deletes it.
  force_delete:
    description:
      - With O(state=absent), delete the repository even when it holds images, and the images with it.
      - When false, deleting a repository that holds images fails and nothing is deleted.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reads the repository and reports what would change, without writing.
  diff_mode:
    description: Returns the repository before and after, as in RV(repository).
extends_documentation_fragment: [stowage.ecr.target.NAME, stowage.ecr.target.REGISTRY, stowage.ecr.repository_settings, stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: The repository, scanned on push, AES256-encrypted, with tags
  stowage.ecr.ecr_repository:
    name: my-ecr-repo
    scan_on_push: true
    encryption_type: AES256
    tags:
      team: platform

- name: Immutable tags, except for latest and dev builds
  stowage.ecr.ecr_repository:
    name: team/app-api
    image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusion_filters:
      - latest
      - dev-*

- name: Encrypted with the AWS managed key (aws/ecr), as the ECR API does when no key is given
  stowage.ecr.ecr_repository:
    name: secure/tools
    encryption_type: KMS

- name: Encrypted with a customer managed key (an alias, a key id or an ARN compares the same)
  stowage.ecr.ecr_repository:
    name: secure/app
    encryption_type: KMS
    kms_key: alias/ecr-images

- name: Let another account pull
  stowage.ecr.ecr_repository:
    name: my-ecr-repo
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: CrossAccountPull
          Effect: Allow
          Principal:
            AWS: arn:aws:iam::210987654321:root
          Action:
            - ecr:BatchGetImage
            - ecr:GetDownloadUrlForLayer

- name: Delete a repository and its images
  stowage.ecr.ecr_repository:
    name: old/app
    state: absent
    force_delete: true
"""

RETURN = r"""
created:
  description:
    - Whether this task created the repository (in check mode, whether it would). False when the repository
      existed already, was updated or deleted, or another run created it first.
  returned: always
  type: bool
  sample: true
  version_added: 0.2.0
repository:
  description:
    - The repository after the task (in check mode, as it would be). Empty when it does not exist.
    - Values not known before the repository exists (arn, uri, created_at) are null in check mode.
  returned: always
  type: dict
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
      description: The repository URI, to tag and push images with.
      type: str
      sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com/my-ecr-repo
    created_at:
      description: When the repository was created (ISO 8601).
      type: str
      sample: "2026-11-26T10:00:00+00:00"
    image_tag_mutability:
      description: The image tag mutability.
      type: str
      sample: MUTABLE
    image_tag_mutability_exclusion_filters:
      description: The wildcard filters of tags exempt from the mutability setting.
      type: list
      elements: str
      sample: [latest]
    scan_on_push:
      description: Whether images are scanned on push.
      type: bool
      sample: true
    encryption_type:
      description: The encryption at rest.
      type: str
      sample: AES256
    kms_key:
      description:
        - The KMS key, with KMS or KMS_DSSE encryption.
        - In check mode, for a new repository, as the task gives it (null when left out, for the AWS managed key).
      type: str
      sample: arn:aws:kms:ap-south-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    tags:
      description: The resource tags.
      type: dict
      sample: {team: platform}
    policy:
      description: The repository policy, or null when it has none.
      type: dict
      sample: {Version: "2012-10-17", Statement: []}
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import repository_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import settings_spec
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import NAME, REGISTRY, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(NAME, REGISTRY),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **settings_spec(),
        force_delete=dict(type="bool", default=False),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: repository_report(module), "ECR refused a call for repository %s" % module.params["name"])


if __name__ == "__main__":
    main()
