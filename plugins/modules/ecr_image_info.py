#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_info
short_description: List the images of an Amazon ECR repository, with their tags, status, pull time and scan summary
version_added: 0.2.0
description:
  - Reads the images of one ECR repository with DescribeImages, 1000 to a call (the largest page ECR
    serves), so that a repository of 10,000 images is read in ten calls, never one call per image.
  - Returns every field AWS gives for an image, in snake_case; fields AWS adds later show up as they come.
  - Only reads.
author:
  - stowage.ecr contributors (@stowage)
options:
  image_ids:
    description:
      - Only these images, each named by O(image_ids[].image_tag), O(image_ids[].image_digest) or both.
      - An image that does not exist is listed in RV(missing), not an error.
    type: list
    elements: dict
    suboptions:
      image_tag:
        description:
          - A tag of the image.
        type: str
      image_digest:
        description:
          - The image's manifest digest, V(sha256:...).
        type: str
  tag_status:
    description:
      - V(tagged) lists images with one or more tags, V(untagged) those with none, V(any) both. Any case is accepted.
    type: str
    choices: [tagged, untagged, any]
    default: any
  tag_patterns:
    description:
      - Only images with a tag that matches one of these wildcard patterns (V(*) any characters, V(?) one).
      - Untagged images never match.
    type: list
    elements: str
  image_status:
    description:
      - Only images in this storage state. V(active) is standard storage, V(archived) archive storage,
        V(activating) an image being restored from archive.
      - V(any), the default, lists all of them. (Left to itself, DescribeImages lists active images only.)
      - Any case is accepted (V(ARCHIVED) as AWS writes it).
    type: str
    choices: [active, archived, activating, any]
    default: any
  include_scan_findings:
    description:
      - Also read each image's scan findings (DescribeImageScanFindings, one call or more per image) into
        RV(images[].scan_findings).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Only reads.
  diff_mode:
    support: none
    description: Only reads; there is nothing to show.
extends_documentation_fragment: [stowage.ecr.target,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Every image of a repository
  stowage.ecr.ecr_image_info:
    repository: team/app-api
  register: all_images

- name: Release images that are archived
  stowage.ecr.ecr_image_info:
    repository: team/app-api
    tag_patterns: ["release-*"]
    image_status: archived

- name: One image by tag, with its scan findings
  stowage.ecr.ecr_image_info:
    repository: team/app-api
    image_ids:
      - image_tag: "1.4.2"
    include_scan_findings: true
  register: release

- name: Digests of the untagged images
  ansible.builtin.debug:
    msg: "{{ all_images.images | selectattr('image_tags', 'equalto', []) | map(attribute='image_digest') | list }}"
"""

RETURN = r"""
images:
  description: The images, as DescribeImages gives them, in snake_case; times are ISO 8601 strings.
  returned: always
  type: list
  elements: dict
  contains:
    image_digest:
      description: The manifest digest.
      type: str
      sample: sha256:0c8a1f...
    image_tags:
      description: The image's tags (empty for an untagged image).
      type: list
      elements: str
      sample: ["1.4.2", latest]
    image_pushed_at:
      description: When the image was pushed.
      type: str
      sample: "2026-11-30T06:37:08+00:00"
    image_size_in_bytes:
      description: The image's size in the repository (for an index, the largest of its images).
      type: int
    image_manifest_media_type:
      description: The manifest's media type (an image index or manifest list for a multi-architecture image).
      type: str
      sample: application/vnd.oci.image.index.v1+json
    artifact_media_type:
      description: The artifact media type, when the image is an artifact.
      type: str
    image_status:
      description: V(ACTIVE), V(ARCHIVED) or V(ACTIVATING).
      type: str
      sample: ACTIVE
    last_recorded_pull_time:
      description: When ECR last recorded a pull (refreshed at least once a day).
      type: str
    last_archived_at:
      description: When the image last went to archive storage.
      type: str
    last_activated_at:
      description: When the image was last restored from archive.
      type: str
    image_scan_status:
      description: The state of the image's basic scan (V(status), V(description)).
      type: dict
    image_scan_findings_summary:
      description: The summary of the last basic scan (V(finding_severity_counts), completion times).
      type: dict
    subject_manifest_digest:
      description: For a referrer (a signature, an SBOM), the digest of the image it refers to.
      type: str
    registry_id:
      description: The registry's account id.
      type: str
    repository_name:
      description: The repository name.
      type: str
    scan_findings:
      description:
        - With O(include_scan_findings), the image's scan as DescribeImageScanFindings gives it (null when it
          was never scanned) - V(image_scan_status), V(finding_severity_counts), V(findings) (basic scanning),
          V(enhanced_findings) (enhanced scanning).
      type: dict
missing:
  description: The O(image_ids) that no image answers to.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import image_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        image_ids=dict(type="list", elements="dict", options=dict(image_tag=dict(type="str"), image_digest=dict(type="str"))),
        tag_status=dict(type="str", default="any", choices=any_case(["tagged", "untagged", "any"])),
        tag_patterns=dict(type="list", elements="str"),
        image_status=dict(type="str", default="any", choices=any_case(["active", "archived", "activating", "any"])),
        include_scan_findings=dict(type="bool", default=False),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: image_report(module), "ECR refused a call to describe the images of repository %s" % module.params["repository"])


if __name__ == "__main__":
    main()
