# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lifecycle policies for ECR: compile typed rules, validate, normalise, compare.

Pure functions only: nothing here talks to AWS, so all of it is unit-tested.

Three forms of a policy appear here:

* the typed ``rules`` of the ecr_lifecycle_policy module (snake_case, one dict a rule),
* the AWS JSON document (``{"rules": [{"rulePriority": 1, "selection": {...}, "action": {...}}]}``),
* the canonical form: the AWS document with rules sorted by priority, tag lists sorted,
  numbers as ints and defaults (``storageClass: standard``) left out. Two policies that
  ECR applies the same way have the same canonical form, so comparison is plain ``==``.
"""

from __future__ import annotations

import json
from typing import Any, Collection, Iterable

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import json_text
from ansible_collections.stowage.ecr.plugins.module_utils._spec.lifecycle import LIFECYCLE_RULE_OPTIONS
from ansible_collections.stowage.ecr.plugins.module_utils.errors import PolicyError

POLICY_TEXT_MIN = 100
POLICY_TEXT_MAX = 30720
MAX_PATTERN_WILDCARDS = 4

COUNT_TYPES = {
    "image_count_more_than": "imageCountMoreThan",
    "since_image_pushed": "sinceImagePushed",
    "since_image_pulled": "sinceImagePulled",
    "since_image_transitioned": "sinceImageTransitioned",
}
TAG_STATUSES = ("tagged", "untagged", "any")
ACTIONS = ("expire", "transition")
STORAGE_CLASSES = ("standard", "archive")
TARGET_STORAGE_CLASSES = ("archive",)
COUNT_UNITS = ("days",)

RULE_KEYS = ("rulePriority", "description", "selection", "action")
SELECTION_KEYS = (
    "tagStatus",
    "tagPrefixList",
    "tagPatternList",
    "countType",
    "countUnit",
    "countNumber",
    "storageClass",
)
ACTION_KEYS = ("type", "targetStorageClass")

# How each AWS field is called in the typed ``rules`` option.
SNAKE_NAMES = {
    "rulePriority": "priority",
    "description": "description",
    "selection": "selection",
    "action": "action",
    "tagStatus": "tag_status",
    "tagPrefixList": "tag_prefixes",
    "tagPatternList": "tag_patterns",
    "countType": "count_type",
    "countUnit": "count_unit",
    "countNumber": "count_number",
    "storageClass": "storage_class",
    "type": "action",
    "targetStorageClass": "target_storage_class",
}


# The argument spec of one typed rule, shared by the modules that take ``rules``.


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    """An int, or a string holding a whole number (``"30"``); None for anything else."""
    if _is_int(value):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


class _Reporter:
    """Builds error messages in the words of the option the user wrote."""

    def __init__(self, option: str, snake: bool):
        self.option = option
        self.snake = snake

    def name(self, aws_field: str) -> str:
        return SNAKE_NAMES.get(aws_field, aws_field) if self.snake else aws_field

    def value(self, aws_value: Any) -> Any:
        if self.snake:
            for snake, camel in COUNT_TYPES.items():
                if camel == aws_value:
                    return snake
        return aws_value

    def count_type_choices(self) -> str:
        return _choices(COUNT_TYPES.keys() if self.snake else COUNT_TYPES.values())

    def where(self, index: int, rule: Any) -> str:
        priority = rule.get("rulePriority") if isinstance(rule, dict) else None
        if _as_int(priority) is not None:
            return "%s: the rule with %s %s" % (self.option, self.name("rulePriority"), _as_int(priority))
        return "%s: rule number %d in the list" % (self.option, index + 1)

    def fail(self, index: int, rule: Any, text: str) -> PolicyError:
        return PolicyError("%s: %s" % (self.where(index, rule), text))


def parse_policy(value: Any, option: str = "policy") -> dict[str, Any]:
    """Turn the ``policy`` option (a dict or a JSON string) into a dict."""
    parsed = json_text(value, option, "lifecycle policy", PolicyError)
    if isinstance(parsed, dict):
        return parsed
    raise PolicyError('%s: expected a lifecycle policy document, a dict like {"rules": [...]}, got %s' % (option, type(value).__name__))


# the typed rule fields that take a word, with the words each accepts (in any case; count_type also in AWS's camelCase)
RULE_WORDS = {
    "tag_status": TAG_STATUSES,
    "count_type": tuple(COUNT_TYPES),
    "count_unit": COUNT_UNITS,
    "storage_class": STORAGE_CLASSES,
    "action": ACTIONS,
    "target_storage_class": TARGET_STORAGE_CLASSES,
}


def _canonical_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """``rule`` with each word in the spelling of the typed options (``TAGGED`` and ``imageCountMoreThan`` read as
    ``tagged`` and ``image_count_more_than``); a word that is none of them stays as it is, for the check to name."""
    canonical = dict(rule)
    for field, words in RULE_WORDS.items():
        value = rule.get(field)
        if not isinstance(value, str):
            continue
        folded = value.casefold()
        for word in words:
            if folded == word.casefold() or (field == "count_type" and folded == COUNT_TYPES[word].casefold()):
                canonical[field] = word
    return canonical


def compile_rules(rules: list[dict[str, Any]], option: str = "rules") -> dict[str, Any]:
    """Turn the typed ``rules`` option into the AWS lifecycle policy document, then validate it.

    Raises PolicyError naming the rule's priority, the field and what is accepted.
    """
    report = _Reporter(option, snake=True)
    if not isinstance(rules, list) or not rules:
        raise PolicyError("%s: give at least one rule (a list of dicts with priority, tag_status, count_type and count_number)" % option)
    compiled = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise PolicyError("%s: rule number %d is a %s; each rule must be a dict" % (option, index + 1, type(rule).__name__))
        rule = _canonical_rule(rule)
        unknown = sorted(set(rule) - set(LIFECYCLE_RULE_OPTIONS))
        if unknown:
            raise report.fail(
                index,
                {"rulePriority": rule.get("priority")},
                "unknown key(s) %s; accepted: %s" % (", ".join(map(str, unknown)), ", ".join(LIFECYCLE_RULE_OPTIONS)),
            )
        aws_rule = {"rulePriority": rule.get("priority")}
        where = {"rulePriority": rule.get("priority")}
        if rule.get("description") is not None:
            aws_rule["description"] = rule["description"]

        selection = {}
        for snake, camel in (
            ("tag_status", "tagStatus"),
            ("tag_prefixes", "tagPrefixList"),
            ("tag_patterns", "tagPatternList"),
            ("count_number", "countNumber"),
            ("storage_class", "storageClass"),
        ):
            if rule.get(snake) is not None:
                selection[camel] = rule[snake]

        count_type = rule.get("count_type")
        if count_type is not None:
            if count_type not in COUNT_TYPES:
                raise report.fail(index, where, "count_type %r is not accepted; use one of %s" % (count_type, _choices(COUNT_TYPES)))
            selection["countType"] = COUNT_TYPES[count_type]
            if count_type != "image_count_more_than":
                # days is the only unit ECR has: implied for the since_* count types
                selection["countUnit"] = rule.get("count_unit") or "days"
            elif rule.get("count_unit") is not None:
                selection["countUnit"] = rule["count_unit"]
            if count_type == "since_image_transitioned" and rule.get("storage_class") is None:
                # only archived images have a transition time
                selection["storageClass"] = "archive"
        elif rule.get("count_unit") is not None:
            selection["countUnit"] = rule["count_unit"]
        aws_rule["selection"] = selection

        action = {"type": rule.get("action") or "expire"}
        if rule.get("target_storage_class") is not None:
            action["targetStorageClass"] = rule["target_storage_class"]
        aws_rule["action"] = action
        compiled.append(aws_rule)
    policy = {"rules": compiled}
    validate_policy(policy, option=option, snake=True)
    return policy


def validate_policy(policy: Any, option: str = "policy", snake: bool = False) -> None:
    """Check a lifecycle policy document against every rule ECR enforces.

    ``option`` is the name of the module option the policy came from; with ``snake`` (the
    policy was compiled from typed rules) the messages use the rules' snake_case field names.
    """
    report = _Reporter(option, snake)
    if not isinstance(policy, dict):
        raise PolicyError('%s: expected a dict like {"rules": [...]}, got %s' % (option, type(policy).__name__))
    unknown = sorted(set(policy) - {"rules"})
    if unknown:
        raise PolicyError("%s: unknown top-level key(s) %s; a lifecycle policy holds only 'rules'" % (option, ", ".join(unknown)))
    rules = policy.get("rules")
    if not isinstance(rules, list) or not rules:
        raise PolicyError("%s: 'rules' must be a non-empty list of rules" % option)

    seen_priorities: dict[int, int] = {}
    untagged_rules = []
    # per storage class: the priorities of its rules, and of those with tagStatus any
    class_rules: dict[str, list[int]] = {}
    any_rules: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise PolicyError("%s: rule number %d is a %s; each rule must be a dict" % (option, index + 1, type(rule).__name__))
        _check_keys(report, index, rule, rule, RULE_KEYS, "a rule")
        priority = _as_int(rule.get("rulePriority"))
        if priority is None or priority < 1:
            raise report.fail(index, rule, "%s must be a whole number of 1 or more, got %r" % (report.name("rulePriority"), rule.get("rulePriority")))
        if priority in seen_priorities:
            raise report.fail(index, rule, "%s %d is used by more than one rule; each rule needs its own" % (report.name("rulePriority"), priority))
        seen_priorities[priority] = index
        description = rule.get("description")
        if description is not None and not isinstance(description, str):
            raise report.fail(index, rule, "description must be a string")

        selection = rule.get("selection")
        if not isinstance(selection, dict):
            raise report.fail(index, rule, "selection must be a dict with tagStatus, countType and countNumber")
        _check_keys(report, index, rule, selection, SELECTION_KEYS, "selection")
        tag_status = _check_selection(report, index, rule, selection)
        storage_class = selection.get("storageClass", "standard")
        class_rules.setdefault(storage_class, []).append(priority)
        if tag_status == "untagged":
            untagged_rules.append(priority)
        elif tag_status == "any":
            any_rules.setdefault(storage_class, []).append(priority)

        action = rule.get("action")
        if not isinstance(action, dict):
            raise report.fail(index, rule, "action must be a dict with a type (expire or transition)")
        if not report.snake:
            _check_keys(report, index, rule, action, ACTION_KEYS, "action")
        _check_action(report, index, rule, selection, action)

    if len(untagged_rules) > 1:
        raise PolicyError(
            "%s: the rules with %s %s all select untagged images; only one rule may select untagged"
            % (option, report.name("rulePriority"), ", ".join(str(p) for p in sorted(untagged_rules)))
        )
    _check_any_rules_last(report, class_rules, any_rules)
    text = policy_text(policy)
    if len(text) > POLICY_TEXT_MAX:
        raise PolicyError("%s: the policy is %d characters as JSON; ECR accepts at most %d" % (option, len(text), POLICY_TEXT_MAX))


def _check_any_rules_last(report: _Reporter, class_rules: dict[str, list[int]], any_rules: dict[str, list[int]]) -> None:
    """A rule with tagStatus any comes last among the rules of its storage class.

    AWS: "A rule with a tagStatus value of any must have the highest value for rulePriority and be evaluated
    last", and "The rule will only select images of this storage class" (storageClass), in
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html. The rules of the
    two storage classes select disjoint images, and ECR accepts one any rule of each: a standard rule that
    transitions every image to archive, then an archive rule that expires them (the policy of the Terraform
    AWS provider's acceptance test TestAccECRLifecyclePolicy_storageClass). So the order is checked within a
    storage class, not across the policy.
    """
    name = report.name
    for storage_class, anys in sorted(any_rules.items()):
        highest = max(class_rules[storage_class])
        if len(anys) > 1 or anys[0] != highest:
            raise PolicyError(
                "%s: a rule with %s any must have the highest %s among the rules of its %s (%s), the one applied last "
                "of them; %s any is on %s, the highest of the %s rules is %d"
                % (
                    report.option,
                    name("tagStatus"),
                    name("rulePriority"),
                    name("storageClass"),
                    storage_class,
                    name("tagStatus"),
                    ", ".join(str(p) for p in sorted(anys)),
                    storage_class,
                    highest,
                )
            )


def _check_keys(report: _Reporter, index: int, rule: dict[str, Any], block: dict[str, Any], allowed: Collection[str], what: str) -> None:
    unknown = sorted(set(block) - set(allowed))
    if unknown:
        raise report.fail(index, rule, "unknown key(s) %s in %s; accepted: %s" % (", ".join(unknown), what, ", ".join(report.name(k) for k in allowed)))


def _check_tag_list(report: _Reporter, index: int, rule: dict[str, Any], field: str, values: Any) -> None:
    if not isinstance(values, list) or not values:
        raise report.fail(index, rule, "%s must be a non-empty list of strings" % report.name(field))
    for value in values:
        if not isinstance(value, str) or not value:
            raise report.fail(index, rule, "%s holds %r; each entry must be a non-empty string" % (report.name(field), value))
        if field == "tagPatternList" and value.count("*") > MAX_PATTERN_WILDCARDS:
            raise report.fail(
                index, rule, "%s entry %r has %d wildcards (*); ECR accepts at most %d" % (report.name(field), value, value.count("*"), MAX_PATTERN_WILDCARDS)
            )
    if len(set(values)) != len(values):
        raise report.fail(index, rule, "%s lists the same value twice" % report.name(field))


def _check_selection(report: _Reporter, index: int, rule: dict[str, Any], selection: dict[str, Any]) -> str:
    name = report.name
    tag_status = selection.get("tagStatus")
    if tag_status not in TAG_STATUSES:
        raise report.fail(index, rule, "%s %r is not accepted; use one of %s" % (name("tagStatus"), tag_status, _choices(TAG_STATUSES)))
    prefixes = selection.get("tagPrefixList")
    patterns = selection.get("tagPatternList")
    if tag_status == "tagged":
        if prefixes is None and patterns is None:
            raise report.fail(
                index, rule, "%s tagged needs %s or %s (one of them) to say which tags" % (name("tagStatus"), name("tagPrefixList"), name("tagPatternList"))
            )
        if prefixes is not None and patterns is not None:
            raise report.fail(index, rule, "%s and %s cannot be used together; give one of them" % (name("tagPrefixList"), name("tagPatternList")))
        if prefixes is not None:
            _check_tag_list(report, index, rule, "tagPrefixList", prefixes)
        else:
            _check_tag_list(report, index, rule, "tagPatternList", patterns)
    elif prefixes is not None or patterns is not None:
        raise report.fail(
            index, rule, "%s and %s are only accepted with %s tagged, not %s" % (name("tagPrefixList"), name("tagPatternList"), name("tagStatus"), tag_status)
        )

    count_type = selection.get("countType")
    if count_type not in COUNT_TYPES.values():
        raise report.fail(index, rule, "%s %r is not accepted; use one of %s" % (name("countType"), report.value(count_type), report.count_type_choices()))
    count_number = _as_int(selection.get("countNumber"))
    if count_number is None or count_number < 1:
        raise report.fail(index, rule, "%s must be a whole number of 1 or more, got %r" % (name("countNumber"), selection.get("countNumber")))
    count_unit = selection.get("countUnit")
    if count_type == "imageCountMoreThan":
        if count_unit is not None:
            raise report.fail(
                index, rule, "%s is not accepted with %s %s (it counts images, not days)" % (name("countUnit"), name("countType"), report.value(count_type))
            )
    elif count_unit not in COUNT_UNITS:
        raise report.fail(index, rule, "%s %s needs %s days, got %r" % (name("countType"), report.value(count_type), name("countUnit"), count_unit))

    storage_class = selection.get("storageClass", "standard")
    if storage_class not in STORAGE_CLASSES:
        raise report.fail(index, rule, "%s %r is not accepted; use one of %s" % (name("storageClass"), storage_class, _choices(STORAGE_CLASSES)))
    if count_type == "sinceImageTransitioned" and storage_class != "archive":
        raise report.fail(
            index, rule, "%s %s selects archived images and needs %s archive" % (name("countType"), report.value(count_type), name("storageClass"))
        )
    if storage_class == "archive" and count_type != "sinceImageTransitioned":
        raise report.fail(
            index,
            rule,
            "%s archive is only accepted with %s %s" % (name("storageClass"), name("countType"), report.value("sinceImageTransitioned")),
        )
    return tag_status


def _check_action(report: _Reporter, index: int, rule: dict[str, Any], selection: dict[str, Any], action: dict[str, Any]) -> None:
    name = report.name
    action_type = action.get("type")
    if action_type not in ACTIONS:
        raise report.fail(
            index, rule, "%s %r is not accepted; use one of %s" % (report.name("type") if report.snake else "action.type", action_type, _choices(ACTIONS))
        )
    target = action.get("targetStorageClass")
    if action_type == "transition":
        if target not in TARGET_STORAGE_CLASSES:
            raise report.fail(index, rule, "action transition needs %s archive, got %r" % (name("targetStorageClass"), target))
        if selection.get("storageClass", "standard") != "standard":
            raise report.fail(index, rule, "action transition moves standard images to archive; it needs %s standard" % name("storageClass"))
    elif target is not None:
        raise report.fail(index, rule, "%s is only accepted with action transition" % name("targetStorageClass"))


def normalise_policy(policy: Any) -> Any:
    """The canonical form of a policy document, for comparison and for sending to ECR.

    Lenient: it never raises, so a live policy that someone wrote by hand still compares.
    """
    if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list):
        return policy
    rules = []
    for rule in policy["rules"]:
        if not isinstance(rule, dict):
            rules.append(rule)
            continue
        out: dict[str, Any] = {}
        priority = _as_int(rule.get("rulePriority"))
        out["rulePriority"] = priority if priority is not None else rule.get("rulePriority")
        if rule.get("description"):
            out["description"] = rule["description"]
        selection = rule.get("selection")
        if isinstance(selection, dict):
            sel: dict[str, Any] = {}
            for key, value in selection.items():
                if key in ("tagPrefixList", "tagPatternList") and isinstance(value, list):
                    value = sorted(value, key=str)
                elif key == "countNumber" and _as_int(value) is not None:
                    value = _as_int(value)
                elif key == "storageClass" and value == "standard":
                    continue
                elif value is None:
                    continue
                sel[key] = value
            out["selection"] = sel
        elif selection is not None:
            out["selection"] = selection
        action = rule.get("action")
        if isinstance(action, dict):
            out["action"] = {k: v for k, v in action.items() if v is not None}
        elif action is not None:
            out["action"] = action
        for key, value in rule.items():
            if key not in out and key not in RULE_KEYS:
                out[key] = value
        rules.append(out)
    rules.sort(
        key=lambda r: (
            (0, r["rulePriority"], "") if isinstance(r, dict) and _is_int(r.get("rulePriority")) else (1, 0, json.dumps(r, sort_keys=True, default=str))
        )
    )
    result = dict(policy)
    result["rules"] = rules
    return result


def policies_equal(current: Any, desired: Any) -> bool:
    return normalise_policy(current) == normalise_policy(desired)


def policy_text(policy: dict[str, Any]) -> str:
    """The JSON text sent to ECR: canonical, compact, and at least the 100 characters ECR requires."""
    canonical = normalise_policy(policy)
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    if len(text) < POLICY_TEXT_MIN:
        text = json.dumps(canonical, sort_keys=True, indent=4)
    return text


def typed_rules(policy: Any) -> list[dict[str, Any]] | None:
    """The typed ``rules`` that compile to ``policy`` (an AWS lifecycle policy document), or None when some
    rule cannot be written that way (a field the typed rules lack, or a value they spell otherwise)."""
    if not isinstance(policy, dict) or set(policy) != {"rules"} or not isinstance(policy["rules"], list) or not policy["rules"]:
        return None
    camel_to_snake = {camel: snake for snake, camel in COUNT_TYPES.items()}
    rules = []
    for rule in policy["rules"]:
        if not isinstance(rule, dict) or set(rule) - set(RULE_KEYS):
            return None
        selection, action = rule.get("selection"), rule.get("action") or {"type": "expire"}
        if not isinstance(selection, dict) or not isinstance(action, dict) or set(selection) - set(SELECTION_KEYS) or set(action) - set(ACTION_KEYS):
            return None
        typed: dict[str, Any] = {"priority": _as_int(rule.get("rulePriority"))}
        if rule.get("description"):
            typed["description"] = rule["description"]
        for camel in ("tagStatus", "tagPrefixList", "tagPatternList"):
            if selection.get(camel) is not None:
                typed[SNAKE_NAMES[camel]] = selection[camel]
        count_type = selection.get("countType")
        typed["count_type"] = camel_to_snake.get(count_type, count_type) if isinstance(count_type, str) else count_type
        typed["count_number"] = _as_int(selection.get("countNumber"))
        for camel in ("countUnit", "storageClass"):
            if selection.get(camel) is not None:
                typed[SNAKE_NAMES[camel]] = selection[camel]
        # what compile_rules implies is left out: days for the since_* count types, archive for since_image_transitioned
        if typed.get("count_unit") == "days" and typed["count_type"] != "image_count_more_than":
            del typed["count_unit"]
        if typed.get("storage_class") == "archive" and typed["count_type"] == "since_image_transitioned":
            del typed["storage_class"]
        if action.get("type", "expire") != "expire":
            typed["action"] = action["type"]
        if action.get("targetStorageClass") is not None:
            typed["target_storage_class"] = action["targetStorageClass"]
        rules.append(typed)
    try:
        compiled = compile_rules(rules)
    except PolicyError:
        return None
    return rules if policies_equal(compiled, policy) else None


def lifecycle_want(rules: Any, policy: Any, rules_option: str = "rules", policy_option: str = "policy") -> dict[str, Any]:
    """The lifecycle policy document of typed ``rules`` or an AWS JSON ``policy``, validated; raises PolicyError."""
    if rules is not None:
        return compile_rules(rules, option=rules_option)
    document = parse_policy(policy, option=policy_option)
    validate_policy(document, option=policy_option)
    return document
