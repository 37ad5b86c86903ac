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
  include_referrers:
    description:
      - Also list, for each image returned, the artifacts that refer to it (signatures, SBOMs, attestations; OCI
        manifests whose C(subject) is the image) into RV(images[].referrers), with ListImageReferrers (one call or
        more per image, the images read concurrently).
      - Artifacts of every status are listed (active, archived, activating); each one's RV(images[].referrers[].artifact_status) says which.
    type: bool
    default: false
    version_added: 0.2.0
  referrer_artifact_types:
    description:
      - With O(include_referrers), only the referrers of these artifact types (at most 5, ECR's limit), for example
        V(application/vnd.cncf.notary.signature) or V(application/spdx+json).
    type: list
    elements: str
    version_added: 0.2.0
  include_signing_status:
    description:
      - Also read, for each image returned, its managed signing status (DescribeImageSigningStatus, one call per image,
        the images read concurrently) into RV(images[].signing_status).
    type: bool
    default: false
    version_added: 0.2.0
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

- name: One image's signatures and SBOMs, and whether ECR's managed signing signed it
  stowage.ecr.ecr_image_info:
    repository: team/app-api
    image_ids:
      - image_tag: "1.4.2"
    include_referrers: true
    referrer_artifact_types:
      - application/vnd.cncf.notary.signature
      - application/spdx+json
    include_signing_status: true
  register: provenance

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
    referrers:
      description:
        - With O(include_referrers), the artifacts that refer to the image, as ListImageReferrers gives them, in
          snake_case (an empty list when there are none).
      returned: when O(include_referrers) is true
      type: list
      elements: dict
      version_added: 0.2.0
      contains:
        digest:
          description: The digest of the artifact's manifest.
          type: str
          sample: sha256:5d1c7e...
        media_type:
          description: The media type of the artifact's manifest.
          type: str
          sample: application/vnd.oci.image.manifest.v1+json
        artifact_type:
          description: The artifact's type.
          type: str
          sample: application/vnd.cncf.notary.signature
        size:
          description: The artifact's size in bytes.
          type: int
        annotations:
          description: The artifact's annotations, keys as the manifest writes them.
          type: dict
          sample: {"org.opencontainers.image.created": "2026-11-30T06:37:08Z"}
        artifact_status:
          description: V(ACTIVE), V(ARCHIVED) or V(ACTIVATING).
          type: str
          sample: ACTIVE
    signing_status:
      description:
        - With O(include_signing_status), the image's managed signing status as DescribeImageSigningStatus gives it,
          in snake_case (null when the image was gone by then).
      returned: when O(include_signing_status) is true
      type: dict
      version_added: 0.2.0
      contains:
        signing_statuses:
          description:
            - One status for each signing profile whose signing rule the image matched (empty when none did).
            - Each has V(signing_profile_arn), V(status) (V(IN_PROGRESS), V(COMPLETE) or V(FAILED)) and, when it
              failed, V(failure_code) and V(failure_reason).
          type: list
          elements: dict
          sample:
            - signing_profile_arn: arn:aws:signer:eu-west-1:123456789012:/signing-profiles/release_images
              status: COMPLETE
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
        include_referrers=dict(type="bool", default=False),
        referrer_artifact_types=dict(type="list", elements="str"),
        include_signing_status=dict(type="bool", default=False),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: image_report(module), "ECR refused a call to describe the images of repository %s" % module.params["repository"])


if __name__ == "__main__":
    main()
