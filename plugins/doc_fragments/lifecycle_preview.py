# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preview options of a lifecycle policy change, documented once. Their argument spec is PREVIEW_OPTIONS in
plugins/module_utils/_spec/lifecycle.py; tests/unit/module_utils/_spec/test_spec.py keeps the two equal."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
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
