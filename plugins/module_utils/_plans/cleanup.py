# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which images of a repository ecr_image_cleanup expires or archives, and which it keeps on evidence of use.
Pure and typed.

    plan_repository(repository, images, rules, evidence, index_children, as_of) -> RepositoryPlan

The rules are applied as ECR applies a lifecycle policy's (``lifecycle_eval``): each rule on its own first (the
newest ``keep_newest`` of the images it selects stay; of the others, those old enough by every day count it
gives), then in order: an image goes to one rule at most, and never to a rule below one that selects it. Then
evidence wins over every rule: an image that a task definition, a task, a function or ``keep_images`` names
stays, as do the images an index that stays lists, and the referrers (signatures, SBOMs) of an image that
stays; a referrer goes with its subject, in the same batch or a later one, never before it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from ansible_collections.stowage.ecr.plugins.module_utils._checks.cleanup import CleanupRule, ImageRef, wildcard
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import validate_policy
from ansible_collections.stowage.ecr.plugins.module_utils._plans.image_record import ImageRecord, iso
from ansible_collections.stowage.ecr.plugins.module_utils.errors import PolicyError

DAY = datetime.timedelta(days=1)
EXPIRE, ARCHIVE, KEEP = "expire", "archive", "keep"
# rounds of evaluation: archive, then expire from the archive, then nothing more to do
ROUNDS = 4


def selects(rule: CleanupRule, image: ImageRecord) -> bool:
    """Whether ``rule`` looks at ``image``: its storage class, its tag status and tag criteria, no exclusion."""
    if image.storage_class != rule.storage_class:
        return False
    tags = image.tags
    if rule.tag_status == "untagged":
        return not tags
    if rule.tag_status == "tagged" and not tags:
        return False
    # as ECR's tagPatternList: the image carries a tag matching each pattern
    if rule.tag_patterns and not all(any(wildcard(tag, p) for tag in tags) for p in rule.tag_patterns):
        return False
    if rule.tag_regex is not None and not any(rule.tag_regex.fullmatch(tag) for tag in tags):
        return False
    if any(wildcard(tag, p) for tag in tags for p in rule.exclude_patterns):
        return False
    return not (rule.exclude_regex is not None and any(rule.exclude_regex.fullmatch(tag) for tag in tags))


def _days(since: datetime.datetime | None, as_of: datetime.datetime) -> int | None:
    return None if since is None else int((as_of - since) // DAY)


def rule_candidates(rule: CleanupRule, images: list[ImageRecord], as_of: datetime.datetime) -> dict[str, str]:
    """The images ``rule`` acts on if no other rule existed, each with the reason in words."""
    selected = sorted((image for image in images if selects(rule, image)), key=ImageRecord.newest_first)
    chosen: dict[str, str] = {}
    start = rule.keep_newest or 0
    for image in selected[start:]:
        words = ["not among the %d newest it selects" % rule.keep_newest] if rule.keep_newest else []
        if rule.older_than_days is not None:
            if image.pushed_at is None or image.pushed_at > as_of - rule.older_than_days * DAY:
                continue
            words.append("pushed %s days ago" % _days(image.pushed_at, as_of))
        if rule.not_pulled_for_days is not None:
            used = image.last_used_at
            if used is None or used > as_of - rule.not_pulled_for_days * DAY:
                continue
            words.append("not pulled for %s days" % _days(used, as_of) if image.last_pulled_at else "never pulled, pushed %s days ago" % _days(used, as_of))
        chosen[image.digest] = ", ".join(words)
    return chosen


@dataclass
class RepositoryPlan:
    """What happens to one repository's images: ``entries`` (expire, archive, keep), deletes in a safe order."""

    repository: str
    images: int
    entries: list[dict[str, Any]] = field(default_factory=list)

    def of(self, action: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["action"] == action]

    def totals(self) -> dict[str, Any]:
        expired = self.of(EXPIRE)
        return {
            "images": self.images,
            "expire": len(expired),
            "archive": len(self.of(ARCHIVE)),
            "kept_by_evidence": len(self.of(KEEP)),
            "bytes_freed": sum(e["size"] for e in expired),
        }


def resolve(refs: Iterable[ImageRef], images: list[ImageRecord]) -> dict[str, str]:
    """The digest of each image that ``refs`` name (by tag or digest), with where it is named."""
    by_tag = {tag: image.digest for image in images for tag in image.tags}
    digests = {image.digest for image in images}
    found: dict[str, list[str]] = {}
    for ref in refs:
        digest = ref.digest if ref.digest in digests else by_tag.get(ref.tag or "") if not ref.digest else None
        if digest:
            found.setdefault(digest, [])
            if ref.source not in found[digest]:
                found[digest].append(ref.source)
    return {digest: "named by " + ", ".join(sorted(sources)) for digest, sources in found.items()}


def _entry(repository: str, image: ImageRecord, action: str, rule: str | None, reason: str) -> dict[str, Any]:
    return {
        "repository": repository,
        "digest": image.digest,
        "tags": sorted(image.tags),
        "pushed_at": iso(image.pushed_at),
        "last_pulled_at": iso(image.last_pulled_at),
        "storage_class": image.storage_class,
        "size": image.size,
        "manifest_media_type": image.manifest_media_type,
        "subject_digest": image.subject_digest,
        "action": action,
        "rule": rule,
        "reason": reason,
        "state": image.state(),
    }


def plan_repository(
    repository: str,
    images: list[ImageRecord],
    rules: list[CleanupRule],
    evidence: Iterable[ImageRef] = (),
    index_children: dict[str, list[str]] | None = None,
    as_of: datetime.datetime | None = None,
) -> RepositoryPlan:
    """What the rules do to ``images`` of ``repository``, given the images named elsewhere (``evidence``: in use,
    or in ``keep_images``) and the images each index lists (``index_children``).

    The rules are applied again to what they leave, until they have nothing more to do: an image that a rule
    archives and a rule of archived images expires is expired at once, and a second run plans nothing."""
    when = as_of or datetime.datetime.now(datetime.timezone.utc)
    evidence = list(evidence)
    original = {image.digest: image for image in images}
    subject = {image.digest: image.subject_digest for image in images if image.subject_digest and image.subject_digest in original}
    decided: dict[str, tuple[str, str | None, str]] = {}
    state = list(images)
    for _round in range(ROUNDS):
        acting = []
        for digest, action, rule, reason in _decide(state, rules, evidence, index_children or {}, when):
            before = decided.get(digest)
            if action == KEEP and before is not None and before[0] != KEEP:
                continue
            if action == EXPIRE and before is not None and before[0] == ARCHIVE:
                reason = "archived by %s (%s), then %s" % (before[1], before[2], reason)
            if action != KEEP:
                acting.append((digest, action))
            decided[digest] = (action, rule, reason)
        if not acting:
            break
        state = _applied(state, dict(acting), when)

    def depth(digest: str) -> int:
        steps, seen = 0, {digest}
        while digest in subject and subject[digest] not in seen:
            digest = subject[digest]
            seen.add(digest)
            steps += 1
        return steps

    plan = RepositoryPlan(repository, len(images))
    for digest, (action, rule, reason) in decided.items():
        plan.entries.append(_entry(repository, original[digest], action, rule, reason))
    # expired first, subjects before their referrers (a referrer is deleted in its subject's batch or a later one),
    # then archived, then kept
    order = {EXPIRE: 0, ARCHIVE: 1, KEEP: 2}
    plan.entries.sort(key=lambda e: (order[e["action"]], depth(e["digest"]) if e["action"] == EXPIRE else 0, e["pushed_at"] or "", e["digest"]))
    return plan


def _applied(images: list[ImageRecord], acting: dict[str, str], when: datetime.datetime) -> list[ImageRecord]:
    """``images`` as they are once ``acting`` (digest: expire or archive) is done."""
    return [
        dataclasses.replace(image, status="ARCHIVED", last_archived_at=when) if acting.get(image.digest) == ARCHIVE else image
        for image in images
        if acting.get(image.digest) != EXPIRE
    ]


def _decide(
    images: list[ImageRecord],
    rules: list[CleanupRule],
    evidence: list[ImageRef],
    index_children: dict[str, list[str]],
    when: datetime.datetime,
) -> list[tuple[str, str, str | None, str]]:
    """One evaluation of ``rules`` on ``images``: (digest, action, rule name, reason) of each image acted on or
    kept on evidence against a rule."""
    by_digest = {image.digest: image for image in images}
    children = {index: [c for c in listed if c in by_digest] for index, listed in (index_children or {}).items() if index in by_digest}
    # a referrer whose subject is in the repository follows its subject
    subject = {image.digest: image.subject_digest for image in images if image.subject_digest and image.subject_digest in by_digest}

    # each rule on its own, then by order: one rule an image at most, never a rule below one that selects it
    chosen: dict[str, tuple[CleanupRule, str]] = {}
    for position, rule in enumerate(rules):
        for digest, words in rule_candidates(rule, images, when).items():
            if digest in chosen or any(selects(higher, by_digest[digest]) for higher in rules[:position]):
                continue
            chosen[digest] = (rule, words)

    kept = resolve(evidence, images)
    expire = {digest for digest, (rule, _words) in chosen.items() if rule.action == EXPIRE}
    went_with: dict[str, str] = {}
    changed = True
    while changed:
        changed = False

        def stays(digest: str) -> bool:
            return digest in kept or digest not in expire

        for index, listed in sorted(children.items()):
            if stays(index):
                for child in listed:
                    if child in expire and child not in kept:
                        kept[child] = "listed by the image index %s, which stays" % index
                        changed = True
        for referrer, of in sorted(subject.items()):
            if referrer in kept and of not in kept and of in expire:
                kept[of] = "subject of the referrer %s, which stays" % referrer
                changed = True
            elif stays(of) and referrer in expire and referrer not in kept:
                kept[referrer] = "refers to %s, which stays" % of
                changed = True
            elif not stays(of) and referrer not in expire and referrer not in kept:
                expire.add(referrer)
                went_with[referrer] = of
                changed = True

    decisions: list[tuple[str, str, str | None, str]] = []
    for digest in sorted(expire - set(kept)):
        if digest in went_with:
            decisions.append((digest, EXPIRE, None, "refers to %s, which is expired" % went_with[digest]))
        else:
            rule, words = chosen[digest]
            decisions.append((digest, EXPIRE, rule.name, words))
    for digest, (rule, words) in sorted(chosen.items()):
        if rule.action == ARCHIVE and digest not in kept and digest not in expire:
            decisions.append((digest, ARCHIVE, rule.name, words))
    for digest, reason in sorted(kept.items()):
        if digest in chosen:
            rule, words = chosen[digest]
            decisions.append((digest, KEEP, rule.name, "%s; kept: %s" % (words, reason)))
    return decisions


# the rules as a lifecycle policy ----------------------------------------------------------------


def lifecycle_policy_of(rules: list[CleanupRule], evidence_wanted: bool) -> dict[str, Any] | None:
    """The lifecycle policy that does what ``rules`` do, when one can (ECR's lifecycle policy parameters: tag
    status, a tag pattern list, one count type a rule, expire or transition to archive; it reads no evidence,
    no regular expression, no exclusion); None otherwise."""
    if evidence_wanted:
        return None
    policy_rules = []
    for rule in rules:
        counts = [
            (kind, number)
            for kind, number in (
                ("imageCountMoreThan", rule.keep_newest),
                ("sinceImagePushed", rule.older_than_days),
                ("sinceImagePulled", rule.not_pulled_for_days),
            )
            if number is not None
        ]
        if rule.tag_regex or rule.exclude_regex or rule.exclude_patterns or len(counts) != 1 or rule.storage_class != "standard":
            return None
        count_type, number = counts[0]
        selection: dict[str, Any] = {"tagStatus": rule.tag_status, "countType": count_type, "countNumber": number}
        if rule.tag_status != "untagged" and (rule.tag_patterns or rule.tag_status == "tagged"):
            # an image with a tag matching each pattern is a tagged image; "*" matches every tag
            selection["tagStatus"] = "tagged"
            selection["tagPatternList"] = list(rule.tag_patterns or ["*"])
        if count_type != "imageCountMoreThan":
            selection["countUnit"] = "days"
        policy_rule: dict[str, Any] = {"rulePriority": rule.number, "selection": selection}
        if rule.description:
            policy_rule["description"] = rule.description
        policy_rule["action"] = {"type": "transition", "targetStorageClass": "archive"} if rule.action == ARCHIVE else {"type": "expire"}
        policy_rules.append(policy_rule)
    policy = {"rules": policy_rules}
    try:
        validate_policy(policy)
    except PolicyError:
        return None
    return policy


def as_lifecycle_policy(rules: list[CleanupRule], evidence_wanted: bool) -> tuple[str | None, str]:
    """The lifecycle policy text equivalent to ``rules`` (or None), and a sentence saying so."""
    policy = lifecycle_policy_of(rules, evidence_wanted)
    if policy is None:
        return None, (
            "These rules need what a lifecycle policy cannot express (evidence of use, kept images, regular expressions, exclusions, "
            "more than one count a rule, archived images by push time, or an order ECR refuses)."
        )
    return json.dumps(policy, sort_keys=True), (
        "These rules select the same images as this lifecycle policy (ECR applies it within 24 hours, without reading what runs); "
        "put it on the repositories with ecr_lifecycle_policy to let ECR do the cleanup."
    )
