#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image
short_description: Promote, untag, delete, archive and restore images in an Amazon ECR repository, without Docker
version_added: 0.2.0
description:
  - Points tags at an image that is in the repository already (promotion), on the server side - it reads the
    image's manifest (BatchGetImage) and puts the same manifest, with its media type, under each tag
    (PutImage). No Docker, no layer moves, and the digest stays; image indexes (multi-architecture images)
    and OCI manifests included.
  - Removes tags and deletes images with O(state=absent). ECR deletes an image when its last tag is removed,
    so removing the last tag of an image, or deleting an image that still has tags, is refused unless
    O(force=true); nothing is written then.
  - Moves images to archive storage and back (O(storage_class)).
  - Every check is made before the first write - a refused task changes nothing.
author:
  - stowage.ecr contributors (@stowage)
options:
  state:
    description:
      - V(present) points O(tags) at O(source) and sets O(storage_class).
      - V(absent) removes O(tags) and deletes the images O(image_digests) names.
  source:
    description:
      - The image to act on, by a tag it has or by its digest (V(sha256:...)), in the repository.
      - Required for O(tags) with O(state=present).
    type: str
  tags:
    description:
      - With O(state=present), the tags to point at O(source). A tag on O(source) already is no change; a tag
        on another image moves (it stays on no other image), unless the repository's tag mutability keeps
        that tag immutable - then the task fails before any write, naming the tags.
      - With O(state=absent), the tags to remove. A tag that is on no image is no change.
      - A tag that is the last one of its image goes only with O(force=true), and the image goes with it.
    type: list
    elements: str
  image_digests:
    description:
      - With O(state=absent), the images to delete, by digest. An image that still has tags goes only with
        O(force=true). An image that an image index of the repository refers to is refused - list the index
        too, and it is deleted first. A digest that is in no image is no change.
      - With O(state=present), the images O(storage_class) applies to (besides O(source)).
    type: list
    elements: str
  force:
    description:
      - Delete images that still have tags, and images whose last tag O(tags) removes.
      - The alias O(force_delete) is the name M(stowage.ecr.ecr_repository) gives its own deletion guard.
    type: bool
    default: false
    aliases: [force_delete]
  storage_class:
    description:
      - V(archive) moves the images (O(source), O(image_digests)) to archive storage; V(standard) restores
        archived images. An image in that storage class already is no change. Any case is accepted (V(ARCHIVE) as
        AWS writes it).
      - Archived images cannot be pulled (nor promoted nor scanned) until restored, and are billed for at
        least 90 days in archive, even when deleted earlier.
      - A restore is not instant - the image is V(ACTIVATING), and cannot be pulled, for up to 20 minutes (AWS's
        figure), then V(ACTIVE); the V(image_status) of RV(images) says which. A restored image is treated like a
        new push (scanned on push where that is on; the scan findings from before the archive are gone).
        Re-pushing an archived image restores it at once.
    type: str
    choices: [archive, standard]
notes:
  - Reading a manifest (BatchGetImage) is what a pull does, so AWS may record the promotion, and the check of
    which images an index refers to, as pulls of those images (RV(stowage.ecr.ecr_image_info#module:images[].last_recorded_pull_time)).
  - Moving a tag leaves the image it was on in the repository, untagged if it was its last tag.
attributes:
  check_mode:
    description: Reads and plans the same way, writes nothing, and reports what would change.
  diff_mode:
    description: Shows each affected digest's tags and image status before and after.
extends_documentation_fragment: [stowage.ecr.target, stowage.ecr.state,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Promote the tested build to prod (no Docker, the digest stays)
  stowage.ecr.ecr_image:
    repository: team/app-api
    source: build-4711
    tags: [prod, "1.4.2"]

- name: Promote by digest
  stowage.ecr.ecr_image:
    repository: team/app-api
    source: sha256:0c8a1f2e5b7d9c3a4f6e8b1d2c5a7f9e3b6d8c1a4e7f2b5d9c3a6e8f1b4d7c2a
    tags: [staging]

- name: Remove a tag (the image keeps its other tags)
  stowage.ecr.ecr_image:
    repository: team/app-api
    tags: [build-4711]
    state: absent

- name: Delete an image and its tags
  stowage.ecr.ecr_image:
    repository: team/app-api
    image_digests: [sha256:0c8a1f2e5b7d9c3a4f6e8b1d2c5a7f9e3b6d8c1a4e7f2b5d9c3a6e8f1b4d7c2a]
    state: absent
    force: true

- name: Archive an old release
  stowage.ecr.ecr_image:
    repository: team/app-api
    source: "1.0.0"
    storage_class: archive

- name: Restore it
  stowage.ecr.ecr_image:
    repository: team/app-api
    source: "1.0.0"
    storage_class: standard
"""

RETURN = r"""
image_digest:
  description: The digest of O(source).
  returned: when O(source) is given
  type: str
  sample: sha256:0c8a1f...
actions:
  description:
    - What was done (in check mode, what would be), in order. Each has V(action) (V(tag), V(untag), V(delete),
      V(archive) or V(standard)), V(image_digest), and V(image_tag) for tag actions (V(moved_from) for a moved tag,
      the digest it was on), V(image_tags) for a deletion.
  returned: always
  type: list
  elements: dict
  sample:
    - action: tag
      image_tag: prod
      image_digest: sha256:0c8a...
      moved_from: sha256:77b1...
images:
  description:
    - The images the task touched, after it (in check mode, as they would be), as
      RV(stowage.ecr.ecr_image_info#module:images) gives them. Deleted images are not listed.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import converge_image
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import any_case
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        source=dict(type="str"),
        tags=dict(type="list", elements="str"),
        image_digests=dict(type="list", elements="str"),
        force=dict(type="bool", default=False, aliases=["force_delete"]),
        storage_class=dict(type="str", choices=any_case(["archive", "standard"])),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    name = module.params["repository"]
    conclude(module, lambda: converge_image(module), "ECR refused an image call for repository %s" % name)


if __name__ == "__main__":
    main()
