# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which tags a push would move, and which of those an immutable repository would refuse. Pure functions."""

from __future__ import annotations

import fnmatch
from typing import Any, Dict


def tag_is_immutable(tag: str, mutability: str, filters: Any) -> bool:
    """Whether ECR refuses to move ``tag`` in a repository with this image tag mutability."""
    matches = any(fnmatch.fnmatchcase(tag, pattern) for pattern in filters or [])
    if mutability == "IMMUTABLE":
        return True
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        return not matches
    if mutability == "MUTABLE_WITH_EXCLUSION":
        return matches
    return False


def push_plan(image_id: str, held: Any, mutability: str = "MUTABLE", filters: Any = None) -> Dict[str, Any]:
    """Which tags a push would change, and which of those the repository would refuse.

    ``held`` is a list of read_tag results. A tag that holds the image already needs no push;
    one that holds another image in an immutable repository is a conflict.
    """
    to_push, conflicts = [], []
    for entry in held:
        if entry["exists"] and entry["config_digest"] == image_id:
            continue
        to_push.append(entry["tag"])
        if entry["exists"] and tag_is_immutable(entry["tag"], mutability, filters):
            conflicts.append(entry["tag"])
    return {"to_push": to_push, "conflicts": conflicts}
