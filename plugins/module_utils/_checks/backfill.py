# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of ecr_replication_backfill's options, and which destinations and repositories the replication rules
select. Pure functions, unit-tested; InputError names the option (``destinations[1].region``)."""

from __future__ import annotations

from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import REGION_RE, REGISTRY_ID_RE, _check_dict, _check_list, _where
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import _short
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

# ECR API Reference, StartReplicationBackfill: a registry has at most 10 backfills in progress, so a task never
# needs more destinations than the 25 unique ones a replication configuration can hold
DESTINATIONS_MAX = 25
# the statuses of a backfill that has not ended (ReplicationBackfillStatus; StopReplicationBackfill takes these)
RUNNING = ("PREPARING", "IN_PROGRESS", "STOPPING")
STOPPABLE = ("PREPARING", "IN_PROGRESS")


def destinations_want(destinations: Any, option: str = "destinations") -> list[dict[str, str | None]] | None:
    """The task's destinations, checked, as {"region", "registryId"} (None for a registry id left out: the
    registry's own); None when the option is not given."""
    if destinations is None:
        return None
    _check_list(destinations, option, 1, DESTINATIONS_MAX, "destinations")
    wanted: list[dict[str, str | None]] = []
    for index, destination in enumerate(destinations):
        where = _where(option, index)
        _check_dict(destination, where, "a destination with region and registry_id")
        region = destination.get("region")
        if not isinstance(region, str) or not REGION_RE.fullmatch(region):
            raise InputError("%s.region: %r is not a region name; give an AWS region such as eu-west-1" % (where, _short(region)))
        registry_id = destination.get("registry_id")
        if registry_id is not None and (not isinstance(registry_id, str) or not REGISTRY_ID_RE.fullmatch(registry_id)):
            raise InputError("%s.registry_id: %r is not a registry id; give the 12-digit AWS account id of the registry" % (where, _short(registry_id)))
        found = {"region": region, "registryId": registry_id}
        if found not in wanted:
            wanted.append(found)
    return wanted


def check_wait_timeout(value: Any, option: str = "wait_timeout") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError("%s: give a number of seconds of 1 or more, got %r" % (option, value))


def rule_destinations(rules: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The destinations of the replication rules (AWS shapes), in the rules' order, each once."""
    found: list[dict[str, str]] = []
    for rule in rules:
        for destination in rule.get("destinations") or []:
            one = {"region": destination["region"], "registryId": destination["registryId"]}
            if one not in found:
                found.append(one)
    return found


def backfill_destinations(
    wanted: list[dict[str, str | None]] | None, rules: list[dict[str, Any]], own_registry_id: str, option: str = "destinations"
) -> list[dict[str, str]]:
    """The destinations to act on: the task's (a registry id left out is ``own_registry_id``), each one a
    destination of the replication ``rules``; every destination of the rules when the task names none.

    ECR backfills only to a destination of the replication configuration (API Reference,
    StartReplicationBackfill: "The destination must already be configured in the registry's replication
    configuration"), so any other is refused here, before any write."""
    configured = rule_destinations(rules)
    if wanted is None:
        return configured
    chosen: list[dict[str, str]] = []
    for index, destination in enumerate(wanted):
        one = {"region": str(destination["region"]), "registryId": str(destination["registryId"] or own_registry_id)}
        if one not in configured:
            shown = ", ".join("%s/%s" % (d["region"], d["registryId"]) for d in configured) or "none"
            raise InputError(
                "%s: %s/%s is not a destination of the registry's replication rules (they have: %s); ECR backfills to those only"
                % (_where(option, index), one["region"], one["registryId"], shown)
            )
        if one not in chosen:
            chosen.append(one)
    return chosen


def selects(rule: dict[str, Any], repository: str) -> bool:
    """Whether a replication rule (AWS shape) selects ``repository``: no filters select every repository,
    a PREFIX_MATCH filter those whose name starts with it."""
    filters = rule.get("repositoryFilters") or []
    return not filters or any(repository.startswith(f["filter"]) for f in filters if f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH")


def destinations_of_repository(rules: list[dict[str, Any]], repository: str, among: list[dict[str, str]]) -> list[dict[str, str]]:
    """The destinations of ``among`` that a rule selecting ``repository`` replicates it to."""
    selected = rule_destinations([rule for rule in rules if selects(rule, repository)])
    return [d for d in among if d in selected]
