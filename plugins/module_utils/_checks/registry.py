# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks and plans of the registry-level settings. Pure functions, unit-tested.

Checks take the modules' options (snake_case) and raise InputError naming the option, with list
items by their index from 0 (``rules[1].destinations[0].region``). Plans compare with the live AWS
shapes and return the AWS shapes to write.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import _short, parse_repository_policy
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import (  # noqa: F401 (the values are declared with the rules' spec)
    REPLICATION_FILTER_TYPES,
    SCAN_FREQUENCIES,
    SCAN_TYPES,
    SCANNING_FILTER_TYPES,
    SIGNING_FILTER_TYPES,
)
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import canonical_value
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

REGISTRY_ID_RE = re.compile(r"[0-9]{12}")


def _where(path: str, index: int) -> str:
    return "%s[%d]" % (path, index)


def _check_list(value: Any, option: str, least: int, most: int, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError("%s: expected a list of %s" % (option, what))
    if not least <= len(value) <= most:
        raise InputError("%s: give %d to %d %s, got %d" % (option, least, most, what, len(value)))
    return value


def _check_dict(value: Any, option: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("%s: expected %s (a dict), got %r" % (option, what, value))
    return value


def _repository_filters(
    items: Any, where: str, most: int, pattern: Any, length: tuple[int, int], types: tuple[str, ...], described: str, once: bool = False
) -> list[dict[str, str]]:
    """The ``repository_filters`` of a rule at ``where``, checked, as AWS's ``repositoryFilters`` (``types[0]`` when a
    filter gives no type; with ``once``, a filter given twice is sent once). ``described`` says what a filter is."""
    _check_list(items, where, 1, most, "repository filters")
    filters: list[dict[str, str]] = []
    for index, item in enumerate(items):
        f_where = _where(where, index)
        _check_dict(item, f_where, "a repository filter with filter and filter_type")
        value = item.get("filter")
        if not isinstance(value, str) or not length[0] <= len(value) <= length[1] or not pattern.fullmatch(value):
            raise InputError("%s.filter: %r is not accepted; %s" % (f_where, _short(value), described))
        kind = item.get("filter_type") or types[0]
        if kind not in types:
            raise InputError("%s.filter_type: %r is not accepted; ECR accepts %s" % (f_where, kind, ", ".join(types)))
        entry = {"filter": value, "filterType": kind}
        if not (once and entry in filters):
            filters.append(entry)
    return filters


# registry policy -------------------------------------------------------------------------------

REGISTRY_POLICY_MAX = 10240


def parse_registry_policy(value: Any, option: str = "policy") -> dict[str, Any]:
    """The registry policy option (an IAM policy document as a dict or JSON string), checked."""
    if value is None:
        raise InputError("%s: required with state present; give an IAM policy document as a dict or a JSON string" % option)
    policy = parse_repository_policy(value, option=option)
    if policy is None:
        raise InputError("%s: give an IAM policy document as a dict or a JSON string" % option)
    size = len(policy_text(policy))
    if size > REGISTRY_POLICY_MAX:
        raise InputError("%s: the policy is %d characters as JSON; ECR accepts at most %d" % (option, size, REGISTRY_POLICY_MAX))
    return policy


def policy_text(policy: dict[str, Any]) -> str:
    return json.dumps(policy, sort_keys=True, separators=(",", ":"))


def policies_differ(live: dict[str, Any] | None, want: dict[str, Any] | None) -> bool:
    """Whether two IAM policy documents differ, semantically (amazon.aws compare_policies); None is no policy."""
    if live is None or want is None:
        return live is not want
    return bool(compare_policies(live, want))


# replication -------------------------------------------------------------------------------------

REPLICATION_RULES_MAX = 10
REPLICATION_DESTINATIONS_MAX = 25  # unique destinations across all rules
REPLICATION_FILTERS_MAX = 100  # per rule
REGION_RE = re.compile(r"[0-9a-z-]{2,25}")
REPLICATION_FILTER_RE = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*")


def _check_registry_id(value: Any, option: str) -> None:
    if not isinstance(value, str) or not REGISTRY_ID_RE.fullmatch(value):
        raise InputError("%s: %r is not a registry id; give the 12-digit AWS account id of the registry" % (option, value))


def replication_rules_want(rules: Any, option: str = "rules", own_registry_id: str | None = None) -> list[dict[str, Any]]:
    """The replication rules of the task, checked, as AWS ReplicationRule shapes.

    A destination without ``registry_id`` gets ``own_registry_id`` (the registry's own account, known after
    DescribeRegistry); with ``own_registry_id`` None it is left out, to be filled in later. A rule without
    ``delete_replication`` gets no ``deleteReplication`` (the merge keeps the live rule's).
    """
    _check_list(rules, option, 0, REPLICATION_RULES_MAX, "replication rules")
    wanted: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for index, rule in enumerate(rules):
        where = _where(option, index)
        _check_dict(rule, where, "a replication rule with destinations and repository_filters")
        destinations = _check_list(rule.get("destinations"), where + ".destinations", 1, REPLICATION_DESTINATIONS_MAX, "destinations")
        aws_destinations = []
        for d_index, destination in enumerate(destinations):
            d_where = _where(where + ".destinations", d_index)
            _check_dict(destination, d_where, "a destination with region and registry_id")
            region = destination.get("region")
            if not isinstance(region, str) or not REGION_RE.fullmatch(region):
                raise InputError(
                    "%s.region: %r is not a region name; give an AWS region such as eu-west-1 (2 to 25 lowercase letters, digits and '-')"
                    % (d_where, _short(region))
                )
            registry_id = destination.get("registry_id")
            if registry_id is None:
                registry_id = own_registry_id
            if registry_id is not None:
                _check_registry_id(registry_id, d_where + ".registry_id")
            if {"region": region, "registryId": registry_id} not in aws_destinations:
                aws_destinations.append({"region": region, "registryId": registry_id})
        filters = rule.get("repository_filters")
        aws_filters = []
        if filters is not None:
            aws_filters = _repository_filters(
                filters,
                where + ".repository_filters",
                REPLICATION_FILTERS_MAX,
                REPLICATION_FILTER_RE,
                (2, 256),
                REPLICATION_FILTER_TYPES,
                "a replication filter is a repository name prefix of 2 to 256 characters: lowercase letters and digits, '.', '_', '-' "
                "within a part and '/' between parts (for example team/ or prod-)",
                once=True,
            )
        aws_rule: dict[str, Any] = {"destinations": aws_destinations}
        if aws_filters:
            aws_rule["repositoryFilters"] = aws_filters
        if rule.get("delete_replication") is not None:
            if not isinstance(rule["delete_replication"], bool):
                raise InputError("%s.delete_replication: expected true or false, got %r" % (where, rule["delete_replication"]))
            aws_rule["deleteReplication"] = {"enabled": rule["delete_replication"]}
        if own_registry_id is not None:
            identity = rule_identity(aws_rule)
            if identity in seen:
                raise InputError(
                    "%s: has the same destinations and repository_filters as %s; a rule is identified by them, so list each once"
                    % (where, _where(option, seen[identity]))
                )
            seen[identity] = index
        wanted.append(aws_rule)
    return wanted


def rule_identity(rule: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a replication rule: its set of destinations and its set of repository filters."""
    destinations = frozenset((d.get("region"), d.get("registryId")) for d in rule.get("destinations") or [])
    filters = frozenset((f.get("filter"), f.get("filterType")) for f in rule.get("repositoryFilters") or [])
    return (destinations, filters)


def canonical_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A replication rule with sorted, de-duplicated lists and deleteReplication only when enabled."""
    canonical: dict[str, Any] = {
        "destinations": [{"region": r, "registryId": i} for r, i in sorted({(d.get("region"), d.get("registryId")) for d in rule.get("destinations") or []})],
    }
    filters = sorted({(f.get("filter"), f.get("filterType")) for f in rule.get("repositoryFilters") or []})
    if filters:
        canonical["repositoryFilters"] = [{"filter": f, "filterType": t} for f, t in filters]
    if (rule.get("deleteReplication") or {}).get("enabled"):
        canonical["deleteReplication"] = {"enabled": True}
    return canonical


def rules_equal(one: list[dict[str, Any]], other: list[dict[str, Any]]) -> bool:
    """Two lists of replication rules hold the same rules, in any order."""
    return _rule_keys(one) == _rule_keys(other)


def _rule_keys(rules: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(canonical_rule(r), sort_keys=True) for r in rules)


def merge_replication(live: list[dict[str, Any]], wanted: list[dict[str, Any]], state: str, purge: bool) -> list[dict[str, Any]]:
    """The replication rules to write, from the live ones and the task's (``replication_rules_want`` with the
    registry id filled in).

    A task rule matches the live rules with the same identity (``rule_identity``). With state present it
    takes their place (the first one's position; ``deleteReplication`` from the task, or the live rule's when
    the task leaves it out); a task rule that matches none is added at the end; live rules the task does not
    name stay, unless ``purge``. With state absent the matching live rules are removed, and no others.
    """
    wanted_by_identity = {rule_identity(r): r for r in wanted}
    merged: list[dict[str, Any]] = []
    placed: set[tuple[Any, ...]] = set()
    for rule in live:
        identity = rule_identity(rule)
        if identity not in wanted_by_identity:
            if state == "absent" or not purge:
                merged.append(rule)
            continue
        if state == "absent" or identity in placed:
            continue
        merged.append(_updated(rule, wanted_by_identity[identity]))
        placed.add(identity)
    if state == "present":
        merged.extend(r for r in wanted if rule_identity(r) not in placed)
    return merged


def _updated(live: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
    rule = dict(want)
    if "deleteReplication" not in want and live.get("deleteReplication") is not None:
        rule["deleteReplication"] = live["deleteReplication"]
    return rule


def check_replication_limits(
    merged: list[dict[str, Any]], wanted: list[dict[str, Any]], source_region: str, source_registry_id: str, option: str = "rules"
) -> None:
    """Refuse a merged replication configuration ECR would refuse; messages name the task's option path when
    the task's rule is at fault, and say how many rules are the registry's own."""
    for index, rule in enumerate(wanted):
        for d_index, destination in enumerate(rule["destinations"]):
            if destination["region"] == source_region and destination["registryId"] == source_registry_id:
                raise InputError(
                    "%s.region: %s in registry %s is this registry itself; ECR replicates to another region or another "
                    "account only" % (_where(_where(option, index) + ".destinations", d_index), source_region, source_registry_id)
                )
    if len(merged) > REPLICATION_RULES_MAX:
        named = {rule_identity(r) for r in wanted}
        kept = len([r for r in merged if rule_identity(r) not in named])
        raise InputError(
            "%s: the replication configuration would hold %d rules (%d of them already in the registry and kept); ECR accepts "
            "at most %d. Nothing was changed; remove rules with state: absent or purge_rules: true" % (option, len(merged), kept, REPLICATION_RULES_MAX)
        )
    destinations = {(d["region"], d["registryId"]) for rule in merged for d in rule["destinations"]}
    if len(destinations) > REPLICATION_DESTINATIONS_MAX:
        raise InputError(
            "%s: the replication configuration would replicate to %d unique destinations (region and registry) across its rules; "
            "ECR accepts at most %d. Nothing was changed" % (option, len(destinations), REPLICATION_DESTINATIONS_MAX)
        )


# registry scanning -------------------------------------------------------------------------------

# the frequencies each scan type takes in a rule (RegistryScanningRule.scanFrequency in the ECR API Reference:
# ENHANCED takes CONTINUOUS_SCAN and SCAN_ON_PUSH, BASIC takes SCAN_ON_PUSH; a repository no rule matches is
# scanned manually)
SCAN_FREQUENCIES_BY_TYPE = {"BASIC": ("SCAN_ON_PUSH",), "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")}
SCANNING_RULES_MAX = 2
SCANNING_FILTERS_MAX = 100
SCANNING_FILTER_RE = re.compile(r"[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*")


def scanning_rules_want(rules: Any, option: str = "rules") -> list[dict[str, Any]]:
    """The task's scanning rules, checked, as AWS RegistryScanningRule shapes."""
    _check_list(rules, option, 0, SCANNING_RULES_MAX, "scanning rules")
    wanted = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        where = _where(option, index)
        _check_dict(rule, where, "a scanning rule with scan_frequency and repository_filters")
        frequency = rule.get("scan_frequency")
        if frequency not in SCAN_FREQUENCIES:
            raise InputError("%s.scan_frequency: %r is not accepted; ECR accepts %s" % (where, frequency, ", ".join(SCAN_FREQUENCIES)))
        if frequency in seen:
            raise InputError(
                "%s.scan_frequency: %s is the frequency of %s too; give each frequency once, with all its repository filters"
                % (where, frequency, _where(option, seen[frequency]))
            )
        seen[frequency] = index
        aws_filters = _repository_filters(
            rule.get("repository_filters"),
            where + ".repository_filters",
            SCANNING_FILTERS_MAX,
            SCANNING_FILTER_RE,
            (1, 255),
            SCANNING_FILTER_TYPES,
            "a scanning filter is 1 to 255 characters of lowercase letters, digits, '.', '_', '-', '/' and the wildcard '*', "
            "starting and ending with a letter, digit or '*' (for example prod-* or *)",
        )
        wanted.append({"scanFrequency": frequency, "repositoryFilters": aws_filters})
    return wanted


def check_scan_type(scan_type: Any, option: str = "scan_type") -> None:
    if scan_type is not None and scan_type not in SCAN_TYPES:
        raise InputError("%s: %r is not accepted; ECR accepts %s" % (option, scan_type, ", ".join(SCAN_TYPES)))


def canonical_scanning(config: dict[str, Any]) -> dict[str, Any]:
    """A scanning configuration with its rules sorted by frequency and their filters sorted and de-duplicated."""
    rules = []
    for rule in config.get("rules") or []:
        filters = sorted({(f.get("filter"), f.get("filterType")) for f in rule.get("repositoryFilters") or []})
        rules.append({"scanFrequency": rule.get("scanFrequency"), "repositoryFilters": [{"filter": f, "filterType": t} for f, t in filters]})
    return {"scanType": config.get("scanType") or "BASIC", "rules": sorted(rules, key=lambda r: str(r["scanFrequency"]))}


def plan_scanning(live: dict[str, Any], scan_type: str | None, rules: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The scanning configuration to put (canonical), or None when the live one is it already.

    An omitted ``scan_type`` or ``rules`` keeps the live one; the result is refused (InputError naming the
    option) when a rule's frequency does not go with the scan type."""
    current = canonical_scanning(live)
    after = canonical_scanning({"scanType": scan_type or current["scanType"], "rules": current["rules"] if rules is None else rules})
    accepted = SCAN_FREQUENCIES_BY_TYPE[after["scanType"]]
    for index, rule in enumerate(rules if rules is not None else after["rules"]):
        if rule["scanFrequency"] not in accepted:
            if rules is not None:
                raise InputError(
                    "rules[%d].scan_frequency: %s is not accepted with scan type %s; it takes %s (a repository that no rule matches "
                    "is scanned manually)" % (index, rule["scanFrequency"], after["scanType"], " or ".join(accepted))
                )
            raise InputError(
                "scan_type: %s does not take the registry's %s rule; give rules too (with %s), or rules: [] to drop them"
                % (after["scanType"], rule["scanFrequency"], " or ".join(accepted))
            )
    return None if after == current else after


# account settings --------------------------------------------------------------------------------

# the settings PutAccountSetting knows and the values each takes (ECR API Reference, PutAccountSetting);
# scripts/stack_ecr/account_settings.py serves the same table (tests/stack keeps them in agreement)
ACCOUNT_SETTINGS = {
    "BASIC_SCAN_TYPE_VERSION": ("AWS_NATIVE", "CLAIR"),
    "REGISTRY_POLICY_SCOPE": ("V1", "V2"),
    "BLOB_MOUNTING": ("ENABLED", "DISABLED"),
}


def account_setting_value(name: Any, value: Any) -> str:
    """``value`` of the account setting ``name`` in AWS's spelling (any case is accepted), checked."""
    if name in ACCOUNT_SETTINGS:
        value = canonical_value(value, ACCOUNT_SETTINGS[name])
    check_account_setting(name, value)
    return str(value)


def check_account_setting(name: Any, value: Any) -> None:
    if name not in ACCOUNT_SETTINGS:
        raise InputError("name: %r is not an account setting ECR knows; give one of %s" % (_short(name), ", ".join(sorted(ACCOUNT_SETTINGS))))
    if value not in ACCOUNT_SETTINGS[name]:
        raise InputError("value: %r is not accepted for %s; ECR accepts %s" % (_short(value), name, ", ".join(ACCOUNT_SETTINGS[name])))


# pull-time update exclusions ---------------------------------------------------------------------

PRINCIPAL_ARN_RE = re.compile(r"arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@-]+(/[\w+=,.@-]+)*", re.ASCII)
PRINCIPAL_ARN_MAX = 200


def check_principal_arn(value: Any, option: str = "principal_arn") -> None:
    if not isinstance(value, str) or len(value) > PRINCIPAL_ARN_MAX or not PRINCIPAL_ARN_RE.fullmatch(value):
        raise InputError(
            "%s: %r is not accepted; give the ARN of an IAM role or user, at most %d characters "
            "(for example arn:aws:iam::123456789012:role/ci-scanner)" % (option, _short(value), PRINCIPAL_ARN_MAX)
        )


# signing -----------------------------------------------------------------------------------------

SIGNING_RULES_MAX = 10
SIGNING_FILTERS_MAX = 100
SIGNING_PROFILE_ARN_RE = re.compile(r"arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:/signing-profiles/[a-zA-Z0-9_]{2,}", re.ASCII)
SIGNING_PROFILE_ARN_MAX = 200
SIGNING_FILTER_RE = re.compile(r"(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*")


def signing_rules_want(rules: Any, option: str = "rules") -> list[dict[str, Any]]:
    """The task's signing rules, checked, as AWS SigningRule shapes."""
    _check_list(rules, option, 0, SIGNING_RULES_MAX, "signing rules")
    wanted = []
    for index, rule in enumerate(rules):
        where = _where(option, index)
        _check_dict(rule, where, "a signing rule with signing_profile_arn and repository_filters")
        arn = rule.get("signing_profile_arn")
        if not isinstance(arn, str) or len(arn) > SIGNING_PROFILE_ARN_MAX or not SIGNING_PROFILE_ARN_RE.fullmatch(arn):
            raise InputError(
                "%s.signing_profile_arn: %r is not accepted; give the ARN of an AWS Signer signing profile, at most %d characters "
                "(for example arn:aws:signer:eu-west-1:123456789012:/signing-profiles/release_images)" % (where, _short(arn), SIGNING_PROFILE_ARN_MAX)
            )
        aws_rule: dict[str, Any] = {"signingProfileArn": arn}
        filters = rule.get("repository_filters")
        if filters is not None:
            aws_rule["repositoryFilters"] = _repository_filters(
                filters,
                where + ".repository_filters",
                SIGNING_FILTERS_MAX,
                SIGNING_FILTER_RE,
                (1, 256),
                SIGNING_FILTER_TYPES,
                "a signing filter is 1 to 256 characters: lowercase letters, digits and the wildcard '*', '.', '_', '-' between them "
                "and '/' between parts (for example myapp/* or *prod*)",
            )
        wanted.append(aws_rule)
    return wanted


def canonical_signing(rules: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Signing rules with their filters sorted and de-duplicated, the rules sorted by profile; None stays None."""
    if rules is None:
        return None
    canonical = []
    for rule in rules:
        entry: dict[str, Any] = {"signingProfileArn": rule.get("signingProfileArn")}
        filters = sorted({(f.get("filter"), f.get("filterType")) for f in rule.get("repositoryFilters") or []})
        if filters:
            entry["repositoryFilters"] = [{"filter": f, "filterType": t} for f, t in filters]
        canonical.append(entry)
    return sorted(canonical, key=lambda r: (str(r["signingProfileArn"]), json.dumps(r, sort_keys=True)))
