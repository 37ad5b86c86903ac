# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a lifecycle policy does to the images of a repository: the evaluation rules AWS documents,
applied locally. Pure and typed; docs/lifecycle-evaluation.md states the rules, their source and the
choices made where AWS says nothing.

    evaluate(policy, images, as_of) -> {"expiring": [...], "rules": [...], "evaluated": N, "kept": N}

``policy`` is an AWS lifecycle policy document (``{"rules": [...]}``, as ``lifecycle.compile_rules``
or ``parse_policy`` give it, validated). ``images`` are DescribeImages entries in snake_case
(``image_digest``, ``image_tags``, ``image_pushed_at``, ``last_recorded_pull_time``, ``image_status``,
``last_archived_at``, or the camelCase of DescribeImages), or ``image_record.ImageRecord`` records; times are datetimes or ISO
8601 strings.
"""

from __future__ import annotations

import datetime
import fnmatch
from typing import Any, Iterable, Sequence, Union

from ansible_collections.stowage.ecr.plugins.module_utils._plans.image_record import STATUS_CLASS, ImageRecord, as_time, iso

__all__ = ["STATUS_CLASS", "as_time", "applied_order", "candidates", "evaluate", "storage_class", "tags_match", "worst_rule"]

DAY = datetime.timedelta(days=1)
Image = Union[ImageRecord, dict[str, Any]]


def storage_class(image: Image) -> str | None:
    """standard or archive; None while a restore is in flight (ACTIVATING): no rule selects such an image."""
    return ImageRecord.of(image).storage_class


def tags_match(rule_selection: dict[str, Any], tags: Iterable[str]) -> bool:
    """Whether an image with ``tags`` meets the tag criteria of a rule's selection.

    tagged: every entry of tagPrefixList is the prefix of some tag (of tagPatternList: matches some tag,
    ``*`` standing for any characters); untagged: no tag; any: every image.
    """
    tags = list(tags)
    status = rule_selection.get("tagStatus")
    if status == "any":
        return True
    if status == "untagged":
        return not tags
    if not tags:
        return False
    prefixes = rule_selection.get("tagPrefixList") or []
    patterns = rule_selection.get("tagPatternList") or []
    if prefixes:
        return all(any(tag.startswith(prefix) for tag in tags) for prefix in prefixes)
    if patterns:
        return all(any(fnmatch.fnmatchcase(tag, pattern.replace("[", "[[]")) for tag in tags) for pattern in patterns)
    return False


def _selects(selection: dict[str, Any], image: ImageRecord) -> bool:
    return image.storage_class == (selection.get("storageClass") or "standard") and tags_match(selection, image.tags)


def _since(image: ImageRecord, count_type: str) -> datetime.datetime | None:
    if count_type == "sinceImagePulled":
        # never pulled: the push counts as the last use
        return image.last_used_at
    if count_type == "sinceImageTransitioned":
        return image.last_archived_at
    return image.pushed_at


def candidates(rule: dict[str, Any], images: Sequence[Image], as_of: datetime.datetime) -> list[ImageRecord]:
    """The images ``rule`` would act on if no other rule existed, oldest first."""
    selection = rule.get("selection") or {}
    records = [ImageRecord.of(image) for image in images]
    selected = sorted((image for image in records if _selects(selection, image)), key=ImageRecord.newest_first)
    count = int(selection.get("countNumber") or 0)
    count_type = selection.get("countType")
    if count_type == "imageCountMoreThan":
        chosen = selected[count:]
    else:
        cutoff = as_of - count * DAY
        chosen = [image for image in selected if (_since(image, str(count_type)) or as_of) <= cutoff]
    return list(reversed(chosen))


def applied_order(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules of ``policy`` in the order ECR applies them: by rulePriority, lowest first, across both storage
    classes. A rule with tagStatus any is last of the rules of its storage class only (lifecycle.validate_policy),
    so a standard rule may follow an archive one and the other way round."""
    return sorted((r for r in policy.get("rules") or [] if isinstance(r, dict)), key=lambda r: int(r.get("rulePriority", 0)))


def evaluate(policy: dict[str, Any], images: Sequence[Image], as_of: datetime.datetime | str | None = None) -> dict[str, Any]:
    """Apply ``policy`` to ``images`` as of ``as_of`` (default now): which images its rules expire or transition."""
    when = as_time(as_of) or datetime.datetime.now(datetime.timezone.utc)
    rules = applied_order(policy)
    records = [ImageRecord.of(image) for image in images]
    # every rule is evaluated on its own first (lower rules still count the images higher ones take) ...
    chosen = {id(rule): candidates(rule, records, when) for rule in rules}
    taken: dict[str, dict[str, Any]] = {}
    summary = []
    for position, rule in enumerate(rules):
        action = rule.get("action") or {}
        higher = [r.get("selection") or {} for r in rules[:position]]
        acted = 0
        # ... then applied by priority: an image goes to one rule at most, and never to a rule below one
        # whose tag criteria it meets (in that rule's storage class)
        for image in chosen[id(rule)]:
            digest = image.digest
            if digest in taken or any(_selects(selection, image) for selection in higher):
                continue
            acted += 1
            taken[digest] = {
                "image_digest": digest,
                "image_tags": list(image.tags),
                "image_pushed_at": iso(image.pushed_at),
                "rule_priority": rule.get("rulePriority"),
                "action": action.get("type", "expire"),
                "target_storage_class": action.get("targetStorageClass"),
            }
        summary.append(
            {
                "rule_priority": rule.get("rulePriority"),
                "description": rule.get("description"),
                "action": action.get("type", "expire"),
                "selected": len(chosen[id(rule)]),
                "acted_on": acted,
            }
        )
    expiring = sorted(taken.values(), key=lambda e: (e["image_pushed_at"] or "", e["image_digest"]))
    return {"expiring": expiring, "rules": summary, "evaluated": len(images), "kept": len(images) - len(expiring)}


def worst_rule(result: dict[str, Any], action: str = "expire") -> dict[str, Any] | None:
    """The rule that acts on the most images with ``action`` in an ``evaluate`` result, or None."""
    rules = [r for r in result["rules"] if r["action"] == action and r["acted_on"]]
    return max(rules, key=lambda r: r["acted_on"]) if rules else None
