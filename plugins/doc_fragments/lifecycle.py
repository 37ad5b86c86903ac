# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The typed lifecycle rules (DOCUMENTATION) and the preview options of a lifecycle policy change (PREVIEW),
documented once. Their argument spec is LIFECYCLE_RULES and PREVIEW_OPTIONS in
plugins/module_utils/_spec/lifecycle.py; tests/unit/module_utils/_spec/test_spec.py keeps each equal to its piece."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  rules:
    description:
      - The lifecycle rules, each the AWS rule in snake_case, flat (no C(selection) and C(action) blocks).
      - 'Keys named otherwise than AWS names them: O(rules[].priority) for C(rulePriority), O(rules[].tag_prefixes) for
        C(selection.tagPrefixList), O(rules[].tag_patterns) for C(selection.tagPatternList), O(rules[].action) for
        C(action.type) and O(rules[].target_storage_class) for C(action.targetStorageClass). The others are the
        C(selection) keys in snake_case: O(rules[].tag_status), O(rules[].count_type), O(rules[].count_number),
        O(rules[].count_unit), O(rules[].storage_class).'
      - The values of O(rules[].count_type) are snake_case too (V(image_count_more_than) for C(imageCountMoreThan)).
      - The words of O(rules[].tag_status), O(rules[].count_type), O(rules[].count_unit), O(rules[].storage_class),
        O(rules[].action) and O(rules[].target_storage_class) are accepted in any case, and O(rules[].count_type) also in
        the policy JSON's spelling (V(imageCountMoreThan)); results give them as documented here.
    type: list
    elements: dict
    suboptions:
      priority:
        description:
          - The rule's priority, a whole number of 1 or more, unique in the policy. Lower numbers are
            applied first; they need not be consecutive.
        type: int
        required: true
      description:
        description:
          - What the rule is for.
        type: str
      tag_status:
        description:
          - Which images the rule selects, one of V(tagged), V(untagged) or V(any).
          - V(tagged) needs O(rules[].tag_prefixes) or O(rules[].tag_patterns). Only one rule may select
            V(untagged). A rule with V(any) must have the highest priority of the rules of its storage class
            (O(rules[].storage_class)), so a policy may have one V(any) rule for standard images and one for
            archived images.
        type: str
        required: true
      tag_prefixes:
        description:
          - With O(rules[].tag_status=tagged), the tag prefixes that select images.
        type: list
        elements: str
      tag_patterns:
        description:
          - With O(rules[].tag_status=tagged), tag wildcard patterns (at most 4 V(*) each). Several
            patterns select images that carry all of them.
        type: list
        elements: str
      count_type:
        description:
          - One of V(image_count_more_than) (keep the newest O(rules[].count_number) images),
            V(since_image_pushed), V(since_image_pulled) or V(since_image_transitioned) (older than
            O(rules[].count_number) days).
        type: str
        required: true
      count_number:
        description:
          - The image count or the number of days, a whole number of 1 or more.
        type: int
        required: true
      count_unit:
        description:
          - V(days), the only unit, implied for the since_* count types; not accepted with
            V(image_count_more_than).
        type: str
      storage_class:
        description:
          - The storage class the rule selects, V(standard) or V(archive). V(archive) goes with
            O(rules[].count_type=since_image_transitioned), and is implied for it.
        type: str
      action:
        description:
          - V(expire) (the default) deletes the selected images; V(transition) moves them to archive
            storage and needs O(rules[].target_storage_class=archive).
        type: str
        default: expire
      target_storage_class:
        description:
          - V(archive), with O(rules[].action=transition).
        type: str
"""

    PREVIEW = r"""
options:
  preview:
    description:
      - Evaluate the policy to put on the repository's images first (the rules of docs/lifecycle-evaluation.md,
        the same as M(stowage.ecr.ecr_lifecycle_preview) with V(source=local)), and return the images it would
        expire or transition right away as RV(preview). With O(ignore:diff) on a change, the diff lists them too.
      - Also in check mode. Reads the repository's images (DescribeImages, 1000 to a call); writes nothing more.
    type: bool
    default: false
    version_added: 0.2.0
  max_expiring:
    description:
      - Refuse to put a policy that would expire more than this many images right away, before anything is
        written; the message names how many and the rule that expires the most. Implies O(preview).
      - V(0) refuses any policy that would expire an image now. Left out, there is no limit.
    type: int
    version_added: 0.2.0
"""
