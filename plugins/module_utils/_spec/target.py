# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository and registry a task acts on, declared once: their argument spec.

Their documentation is the doc fragment ``stowage.ecr.target`` (plugins/doc_fragments/target.py):
``stowage.ecr.target`` documents REPOSITORY_TARGET (a repository in a registry), ``stowage.ecr.target.NAME``
NAME (the repository as ecr_repository names it) and ``stowage.ecr.target.REGISTRY`` REGISTRY.
tests/unit/module_utils/_spec/test_spec.py keeps each fragment equal to its piece.
"""

from __future__ import annotations

import copy
from typing import Any

Spec = dict[str, dict[str, Any]]

# one repository, by the name every module but ecr_repository gives it
REPOSITORY: Spec = {"repository": {"type": "str", "required": True, "aliases": ["repository_name"]}}
# one repository, as ecr_repository names it (``name`` since 0.1.0; the other modules' names as aliases)
NAME: Spec = {"name": {"type": "str", "required": True, "aliases": ["repository", "repository_name"]}}
# the registry (AWS account) it is in; left out, the caller's
REGISTRY: Spec = {"registry_id": {"type": "str"}}
REPOSITORY_TARGET: Spec = {**REPOSITORY, **REGISTRY}


def spec(*pieces: Spec) -> Spec:
    """A copy of the pieces' argument spec, merged, for a module to extend."""
    merged: Spec = {}
    for piece in pieces:
        merged.update(copy.deepcopy(piece))
    return merged
