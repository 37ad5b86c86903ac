# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of a repository, documented once. Their argument spec is
plugins/module_utils/_spec/settings.py; tests/unit/module_utils/_spec/test_settings.py keeps the two
equal. Modules that take the settings as options extend this fragment; ecr_repositories' item and
default suboptions are rendered from it by ``make docs``."""

from __future__ import annotations


class ModuleDocFragment:
    # tags and purge_tags are written here rather than taken from amazon.aws.tags: this fragment documents
    # the settings' spec as one piece (ecr_repositories' item suboptions are rendered from it), and the
    # repository's tags also take numbers, written as strings
    DOCUMENTATION = r"""
options:
  image_tag_mutability:
    description:
      - Whether image tags can be overwritten.
      - With V(IMMUTABLE_WITH_EXCLUSION) or V(MUTABLE_WITH_EXCLUSION), tags that match
        O(image_tag_mutability_exclusion_filters) follow the opposite rule.
      - A new repository is V(MUTABLE) when this is left out; an existing one keeps its setting.
      - Any case is accepted (V(immutable), as community.aws.ecs_ecr spells it); results give AWS's spelling.
    type: str
    choices: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]
  image_tag_mutability_exclusion_filters:
    description:
      - 1 to 5 wildcard filters (letters, digits, V(.), V(_), V(-) and V(*), up to 128 characters each)
        for the tags exempt from O(image_tag_mutability).
      - Only with O(image_tag_mutability=IMMUTABLE_WITH_EXCLUSION) or V(MUTABLE_WITH_EXCLUSION). When left
        out with one of those, the repository's current filters are kept; a new repository needs them.
    type: list
    elements: str
  scan_on_push:
    description:
      - Whether ECR scans each image for vulnerabilities when it is pushed.
      - A new repository does not scan when this is left out; an existing one keeps its setting.
    type: bool
  encryption_type:
    description:
      - How images are encrypted at rest. Only takes effect when the repository is created; for an
        existing repository it is checked, and a difference fails the task.
      - A new repository uses V(AES256) when this is left out.
      - Any case is accepted (V(aes256)); results give AWS's spelling.
    type: str
    choices: [AES256, KMS, KMS_DSSE]
  kms_key:
    description:
      - The KMS key for O(encryption_type=KMS) or V(KMS_DSSE), as an alias (V(alias/my-key)), an alias ARN,
        a key id or a key ARN, in the repository's region. Only accepted with those encryption types.
      - When left out, a new repository is encrypted with the AWS managed key V(alias/aws/ecr) (as the ECR API,
        Terraform and CloudFormation do), and an existing repository's key is not checked. V(alias/aws/ecr)
        names that key explicitly, and is then checked.
    type: str
  tags:
    description:
      - Resource tags as a dict. Numbers are written as strings. Keys starting with V(aws:) are reserved.
      - When left out, the repository's tags are not touched.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - With O(tags) set, remove the tags that O(tags) does not list (tags starting with V(aws:) are kept).
      - Has no effect when O(tags) is left out.
    type: bool
    default: true
  policy:
    description:
      - The repository policy (an IAM resource policy document) as a dict or a JSON string.
        Compared semantically with the live policy.
      - When left out, the repository policy is not touched (see O(purge_policy)).
    type: json
  purge_policy:
    description:
      - Delete the repository policy. Cannot be used together with O(policy).
    type: bool
    default: false
"""
