# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The views of a pull through cache rule and a repository creation template as their modules return them (and
ecr_registry_info): ``results``' views with the upstream registry named and the lifecycle policy normalised.
Apart from ``results`` so that a module that shows neither does not ship their checks."""

from __future__ import annotations

from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import normalise_policy
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry_rules import upstream_of_url
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import pull_through_cache_rule_view, repository_creation_template_view


def rule_view(raw: dict[str, Any] | None) -> dict[str, Any]:
    """A DescribePullThroughCacheRules entry as ecr_pull_through_cache_rule returns its ``rule`` ({} for none)."""
    view = pull_through_cache_rule_view(raw)
    if view and not view.get("upstream_registry"):
        view["upstream_registry"] = upstream_of_url(view.get("upstream_registry_url") or "")
    return view


def template_view(raw: dict[str, Any] | None) -> dict[str, Any]:
    """A RepositoryCreationTemplate as ecr_repository_creation_template returns its ``template`` ({} for none)."""
    view = repository_creation_template_view(raw)
    if view and view.get("lifecycle_policy") is not None:
        view["lifecycle_policy"] = normalise_policy(view["lifecycle_policy"])
    return view
