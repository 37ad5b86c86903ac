# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository and registry a task acts on, documented once. Their argument spec is
plugins/module_utils/_spec/target.py: DOCUMENTATION documents REPOSITORY_TARGET (a repository in a registry), NAME
and REGISTRY the pieces of those names; tests/unit/module_utils/_spec/test_spec.py keeps them equal."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  repository:
    description:
      - The repository name, for example V(team/app-api).
    type: str
    required: true
    aliases: [repository_name]
  registry_id:
    description:
      - The 12-digit AWS account id of the registry. Defaults to the caller's account.
    type: str
"""

    NAME = r"""
options:
  name:
    description:
      - The repository name, for example V(team/app-api).
      - 2 to 256 characters; lowercase letters and digits separated by V(.), V(_), V(__) or V(-),
        and parts separated by V(/).
      - C(repository) and C(repository_name), as the other modules of the collection call it, are accepted
        as aliases since 0.2.0.
    type: str
    required: true
    aliases: [repository, repository_name]
"""

    REGISTRY = r"""
options:
  registry_id:
    description:
      - The 12-digit AWS account id of the registry. Defaults to the caller's account.
    type: str
"""
