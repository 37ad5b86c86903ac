#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_copy
short_description: Copy an image by digest between Amazon ECR repositories, regions and accounts through ECR's API
version_added: 0.3.0
description:
  - Copies one image from a source repository to the destination repository O(repository) through ECR's own API,
    without Docker and without a registry login. The digest stays the same - the manifests are put exactly as
    ECR stores them - so signatures and deployments that name the digest hold at the destination.
  - The source may be in another region, account or partition, with credentials of its own (O(source.profile),
    O(source.assume_role_arn)); without them it is read with the task's.
  - An image index (a multi-architecture image) is copied with every image it lists, children first; with
    O(include_referrers) its referrers (signatures, SBOMs, attestations, found with ListImageReferrers) follow,
    each after its subject.
  - Each blob (config and layers) that the destination lacks (BatchCheckLayerAvailability) is streamed from the
    download URL ECR gives for it (GetDownloadUrlForLayer) into a layer upload (InitiateLayerUpload,
    UploadLayerPart, CompleteLayerUpload) in parts of the size ECR asks for (5 MiB to 20 MiB); a layer is never
    held whole in memory nor written to disk. O(max_concurrency) blobs are copied at a time, each part sent while
    the next one is read; the parts held in memory are bounded across all blobs (30 MiB of layer bytes, held as
    the base64 text UploadLayerPart carries, about 40 MiB), whatever O(max_concurrency) is.
  - Idempotent. A destination that holds the image with the wanted tags is not written to (C(changed=false));
    a copy that was cut off part-way sends, when run again, only the blobs and manifests still missing.
  - Everything that can be refused is refused before the first write - a missing source image or repository, a
    source region that is not one, an archived source without O(restore), an unsigned image with
    O(require_signed), scan findings at or above O(fail_on_severity), an immutable destination tag that holds
    another image, a missing destination repository - with a message naming the option.
author:
  - stowage.ecr contributors (@stowage)
options:
  source:
    description:
      - The image to copy and where it is.
    type: dict
    required: true
    suboptions:
      repository:
        description: The source repository.
        type: str
        required: true
      image:
        description: The image, by a tag it has or by its digest (V(sha256:...)).
        type: str
        required: true
      registry_id:
        description: The registry (AWS account id) of the source repository; the source credentials' own when left out.
        type: str
      region:
        description: The source's region; the task's when left out.
        type: str
      profile:
        description: An AWS profile to read the source with, instead of the task's credentials.
        type: str
      assume_role_arn:
        description:
          - A role to read the source with, assumed with STS AssumeRole (with O(source.profile) when given, else with
            the task's credentials) - the usual way to reach another account.
        type: str
      role_session_name:
        description: The session name of the assumed role.
        type: str
      endpoint_url:
        description: The ECR endpoint of the source (a VPC endpoint, another partition's, or a test stand-in).
        type: str
  tags:
    description:
      - The destination tags to point at the copied image. A tag that holds another image moves, unless the
        destination repository's tags are immutable (and the tag is not excluded), which refuses the copy before
        any write.
      - Left out, the tag O(source.image) names (none when it names a digest). V([]) copies the image untagged.
    type: list
    elements: str
  include_referrers:
    description:
      - Copy the image's referrers too (signatures, SBOMs, attestations; those of the index and of its images, and
        theirs in turn), each after its subject. Archived referrers are left out with a warning.
    type: bool
    default: true
  restore:
    description:
      - When the source image is archived, restore it first (UpdateImageStorageClass to STANDARD) and wait until it
        is active (O(wait_timeout)). Without it an archived source is refused.
      - Check mode restores nothing, and so cannot read the manifests of an archived image to count what would be copied.
    type: bool
    default: false
  wait_timeout:
    description: How long to wait for a restored source to become active, in seconds (0 to 86400).
    type: int
    default: 1800
  require_signed:
    description:
      - Copy only an image whose managed signing status (DescribeImageSigningStatus) is V(COMPLETE) for every
        signing profile; anything else refuses the copy before any write.
    type: bool
    default: false
  fail_on_severity:
    description:
      - Refuse the copy, before any write, when the source image's scan has findings at or above this severity
        (V(UNDEFINED) is the lowest). An image with no scan result is refused too. Any case is accepted.
    type: str
    choices: [CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED]
  max_concurrency:
    description:
      - How many blobs are copied at a time (1 to 32).
      - The memory their parts take does not grow with it; the parts in memory are bounded across the blobs (see
        the description above), so a blob may wait for another's parts to be sent before its next part is read.
    type: int
    default: 4
notes:
  - The calls at the destination need C(ecr:BatchCheckLayerAvailability), C(ecr:InitiateLayerUpload),
    C(ecr:UploadLayerPart), C(ecr:CompleteLayerUpload), C(ecr:PutImage), C(ecr:DescribeImages) and
    C(ecr:DescribeRepositories); at the source C(ecr:DescribeImages), C(ecr:BatchGetImage),
    C(ecr:GetDownloadUrlForLayer) and C(ecr:ListImageReferrers) (with the gates C(ecr:DescribeImageSigningStatus)
    and C(ecr:DescribeImageScanFindings), with O(restore) C(ecr:UpdateImageStorageClass)).
  - The download URLs ECR gives are pre-signed and are never shown in results or messages.
attributes:
  check_mode:
    support: full
    description: Reads both sides and returns what would be copied (manifests, blobs, bytes) and where the tags would point.
  diff_mode:
    support: full
    description: The destination's manifests of the image and the tags, before and after.
extends_documentation_fragment: [stowage.ecr.target,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Promote a release to production's account and region, with its signatures and SBOMs
  stowage.ecr.ecr_image_copy:
    source:
      repository: team/app-api
      image: "1.4.2"
      region: eu-west-1
      assume_role_arn: arn:aws:iam::111111111111:role/ecr-read
    repository: team/app-api
    region: us-east-1
    tags: ["1.4.2", stable]
    require_signed: true
    fail_on_severity: HIGH

- name: Copy a multi-architecture image by digest, untagged, from an archived source
  stowage.ecr.ecr_image_copy:
    source:
      repository: base/runtime
      image: "{{ runtime_digest }}"
    repository: mirror/runtime
    tags: []
    restore: true
  register: copied

- name: How much was sent
  ansible.builtin.debug:
    msg: "{{ copied.copied.blobs }} blobs, {{ copied.copied.bytes }} bytes, {{ copied.copied.skipped }} already there"
"""

RETURN = r"""
digest:
  description: The digest of the image, the same at the source and the destination.
  returned: always
  type: str
  sample: sha256:0c8a1f...
tags:
  description: The destination tags that point at the image.
  returned: always
  type: list
  elements: str
referrers:
  description: The digests of the referrers copied with it (or found at the destination already).
  returned: always
  type: list
  elements: str
restored:
  description: Whether this task restored the archived source image.
  returned: always
  type: bool
copied:
  description:
    - What was copied (in check mode, what would be) - manifests put, blobs uploaded and their bytes, and blobs the
      destination held already (V(skipped)). After a failure part-way, what was done before it.
  returned: always
  type: dict
  sample:
    manifests: 4
    blobs: 7
    bytes: 52428800
    skipped: 2
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.copy import copy_image
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import SEVERITIES
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    source = dict(
        repository=dict(type="str", required=True),
        image=dict(type="str", required=True),
        registry_id=dict(type="str"),
        region=dict(type="str"),
        profile=dict(type="str"),
        assume_role_arn=dict(type="str"),
        role_session_name=dict(type="str"),
        endpoint_url=dict(type="str"),
    )
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        source=dict(type="dict", required=True, options=source),
        tags=dict(type="list", elements="str"),
        include_referrers=dict(type="bool", default=True),
        restore=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        require_signed=dict(type="bool", default=False),
        fail_on_severity=dict(type="str", choices=any_case(reversed(SEVERITIES))),
        max_concurrency=dict(type="int", default=4),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    refused = "ECR refused a call of the copy to repository %s" % module.params["repository"]
    conclude(module, lambda: copy_image(module), refused)


if __name__ == "__main__":
    main()
