# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of ecr_image_cleanup's options: the rules (regexes compiled), the evidence to read, the images to keep,
the delete limit. Pure functions, unit-tested; InputError names the option (``rules[2].tag_regex``)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Pattern

from ansible_collections.stowage.ecr.plugins.module_utils._checks.region import REGION_RE
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import _check_dict, _check_list, _where
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import REPOSITORY_NAME_RE, _short
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

RULE_KEYS = (
    "tag_status",
    "tag_patterns",
    "tag_regex",
    "exclude_patterns",
    "exclude_regex",
    "keep_newest",
    "older_than_days",
    "not_pulled_for_days",
    "storage_class",
    "action",
    "description",
)
TAG_STATUSES = ("tagged", "untagged", "any")
STORAGE_CLASSES = ("standard", "archive")
ACTIONS = ("expire", "archive")
USAGE_KINDS = ("ecs_task_definitions", "ecs_tasks", "lambda")
USAGE_SOURCE_KEYS = ("region", "profile", "assume_role_arn")
ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}")
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}")
MAX_DELETE_RE = re.compile(r"([0-9]{1,3})%")
# an image URI of an ECR registry: account.dkr.ecr.region.amazonaws.com (.com.cn in China), FIPS, or the dual-stack
# account.dkr-ecr.region.on.aws; then the repository, a tag and/or a digest
IMAGE_URI_RE = re.compile(
    r"(?P<account>[0-9]{12})\.dkr(?:-ecr|\.ecr)(?:-fips)?\.(?P<region>[a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)"
    r"/(?P<repository>[a-z0-9._/-]+?)(?::(?P<tag>[A-Za-z0-9_.-]{1,300}))?(?:@(?P<digest>sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}))?"
)


@dataclass(frozen=True)
class CleanupRule:
    """One rule of the ``rules`` option, checked: which images it looks at, which of those it acts on, and how."""

    number: int
    name: str
    tag_status: str = "any"
    tag_patterns: tuple[str, ...] = ()
    tag_regex: Pattern[str] | None = None
    exclude_patterns: tuple[str, ...] = ()
    exclude_regex: Pattern[str] | None = None
    keep_newest: int | None = None
    older_than_days: int | None = None
    not_pulled_for_days: int | None = None
    storage_class: str = "standard"
    action: str = "expire"
    description: str | None = None


@dataclass(frozen=True)
class ImageRef:
    """An image named by a task definition, a task, a function or ``keep_images``: repository and tag or digest."""

    repository: str
    tag: str | None = None
    digest: str | None = None
    source: str = field(default="", compare=False)


def wildcard(tag: str, pattern: str) -> bool:
    """ECR's tagPatternList matching: ``*`` stands for any characters, nothing else is special."""
    return fnmatch.fnmatchcase(tag, pattern.replace("[", "[[]").replace("?", "[?]"))


def _int(value: Any, option: str, least: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit() or int(value) < least:
        raise InputError("%s: %r is not accepted; give a whole number of %d or more" % (option, _short(value), least))
    return int(value)


def _choice(value: Any, option: str, choices: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or value.lower() not in choices:
        raise InputError("%s: %r is not accepted; use one of %s" % (option, _short(value), ", ".join(choices)))
    return value.lower()


def _patterns(value: Any, option: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise InputError("%s: give a list of tag patterns (strings, * standing for any characters)" % option)
    return tuple(value)


def _regex(value: Any, option: str) -> Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InputError("%s: give a regular expression as a string (it must match a whole tag)" % option)
    try:
        return re.compile(value)
    except re.error as e:
        raise InputError("%s: %r is not a regular expression Python accepts: %s" % (option, _short(value), e)) from e


def check_rule(rule: Any, index: int, option: str = "rules") -> CleanupRule:
    where = _where(option, index)
    _check_dict(rule, where, "a rule")
    unknown = sorted(set(rule) - set(RULE_KEYS))
    if unknown:
        raise InputError("%s.%s: unknown rule key; a rule takes %s" % (where, unknown[0], ", ".join(RULE_KEYS)))
    tag_status = _choice(rule.get("tag_status"), where + ".tag_status", TAG_STATUSES, "any")
    tag_patterns = _patterns(rule.get("tag_patterns"), where + ".tag_patterns")
    tag_regex = _regex(rule.get("tag_regex"), where + ".tag_regex")
    exclude_patterns = _patterns(rule.get("exclude_patterns"), where + ".exclude_patterns")
    exclude_regex = _regex(rule.get("exclude_regex"), where + ".exclude_regex")
    if tag_status == "untagged":
        for key in ("tag_patterns", "tag_regex", "exclude_patterns", "exclude_regex"):
            if rule.get(key) is not None:
                raise InputError("%s.%s: an untagged image has no tag to match; give tag_status tagged or any with it" % (where, key))
    keep_newest = _int(rule.get("keep_newest"), where + ".keep_newest", 1)
    older = _int(rule.get("older_than_days"), where + ".older_than_days", 1)
    not_pulled = _int(rule.get("not_pulled_for_days"), where + ".not_pulled_for_days", 1)
    if keep_newest is None and older is None and not_pulled is None:
        raise InputError("%s: a rule needs keep_newest, older_than_days or not_pulled_for_days (one or more) to say which images go" % where)
    storage_class = _choice(rule.get("storage_class"), where + ".storage_class", STORAGE_CLASSES, "standard")
    action = _choice(rule.get("action"), where + ".action", ACTIONS, "expire")
    if action == "archive" and storage_class == "archive":
        raise InputError("%s.action: archive moves standard images to the archive; it needs storage_class standard" % where)
    description = rule.get("description")
    if description is not None and not isinstance(description, str):
        raise InputError("%s.description: give a string" % where)
    return CleanupRule(
        number=index + 1,
        name="%s (%s)" % (where, description) if description else where,
        tag_status=tag_status,
        tag_patterns=tag_patterns,
        tag_regex=tag_regex,
        exclude_patterns=exclude_patterns,
        exclude_regex=exclude_regex,
        keep_newest=keep_newest,
        older_than_days=older,
        not_pulled_for_days=not_pulled,
        storage_class=storage_class,
        action=action,
        description=description,
    )


def check_rules(rules: Any, option: str = "rules") -> list[CleanupRule]:
    """The rules, checked, in the order they are applied."""
    _check_list(rules, option, 1, 100, "rules")
    return [check_rule(rule, index, option) for index, rule in enumerate(rules)]


def check_repositories(value: Any, option: str = "repositories") -> list[str]:
    """Names or globs (``*`` for every repository)."""
    _check_list(value, option, 1, 10000, "repository names or globs")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not name:
            raise InputError("%s: give a repository name or a glob such as team/*" % _where(option, index))
        if not any(c in name for c in "*?[") and not REPOSITORY_NAME_RE.fullmatch(name):
            raise InputError("%s: %r is not a repository name (nor a glob with * or ?)" % (_where(option, index), _short(name)))
    return list(dict.fromkeys(value))


def select_repositories(patterns: list[str], names: list[str]) -> list[str]:
    """The repository ``names`` that a name or glob of ``patterns`` selects, in the order of ``names``."""
    return [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns)]


def check_keep_in_use(value: Any, option: str = "keep_in_use") -> tuple[str, ...]:
    if value is None:
        return USAGE_KINDS
    if not isinstance(value, list):
        raise InputError("%s: give a list of %s (or an empty list)" % (option, ", ".join(USAGE_KINDS)))
    for index, kind in enumerate(value):
        if kind not in USAGE_KINDS:
            raise InputError("%s: %r is not accepted; use %s" % (_where(option, index), _short(kind), ", ".join(USAGE_KINDS)))
    return tuple(dict.fromkeys(value))


def check_usage_sources(value: Any, option: str = "usage_sources") -> list[dict[str, str | None]]:
    """The places ECS and Lambda are read (region, profile, assume_role_arn); [] means the task's own."""
    if value is None:
        return []
    _check_list(value, option, 1, 100, "usage sources")
    found: list[dict[str, str | None]] = []
    for index, source in enumerate(value):
        where = _where(option, index)
        _check_dict(source, where, "a usage source with region, and profile or assume_role_arn")
        unknown = sorted(set(source) - set(USAGE_SOURCE_KEYS))
        if unknown:
            raise InputError("%s.%s: unknown key; a usage source takes %s" % (where, unknown[0], ", ".join(USAGE_SOURCE_KEYS)))
        region = source.get("region")
        if region is not None and (not isinstance(region, str) or not REGION_RE.fullmatch(region)):
            raise InputError("%s.region: %r is not a region name; give an AWS region such as eu-west-1" % (where, _short(region)))
        role = source.get("assume_role_arn")
        if role is not None and (not isinstance(role, str) or not ROLE_ARN_RE.fullmatch(role)):
            raise InputError("%s.assume_role_arn: %r is not an IAM role ARN" % (where, _short(role)))
        if source.get("profile") is not None and role is not None:
            raise InputError("%s: give profile or assume_role_arn, not both" % where)
        found.append({k: source.get(k) for k in USAGE_SOURCE_KEYS})
    return found


def parse_image_uri(uri: Any) -> dict[str, str | None] | None:
    """account, region, repository, tag, digest of an ECR image URI (a tag of ``latest`` when it names neither);
    None for an image of another registry (Docker Hub, a public gallery, a URI that is no image)."""
    if not isinstance(uri, str):
        return None
    found = IMAGE_URI_RE.fullmatch(uri.strip())
    if not found:
        return None
    parts: dict[str, str | None] = found.groupdict()
    if not parts["tag"] and not parts["digest"]:
        parts["tag"] = "latest"
    return parts


def check_keep_images(value: Any, option: str = "keep_images") -> list[ImageRef]:
    """Each entry a full image URI, or a dict of repository and tag or digest."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError("%s: give a list of image URIs or of dicts with repository and tag or digest" % option)
    found: list[ImageRef] = []
    for index, entry in enumerate(value):
        where = _where(option, index)
        if isinstance(entry, str):
            parts = parse_image_uri(entry)
            if parts is None:
                raise InputError("%s: %r is not an ECR image URI (account.dkr.ecr.region.amazonaws.com/repository:tag or @digest)" % (where, _short(entry)))
            found.append(ImageRef(str(parts["repository"]), parts["tag"], parts["digest"], "keep_images"))
            continue
        _check_dict(entry, where, "an image URI or a dict with repository and tag or digest")
        unknown = sorted(set(entry) - {"repository", "tag", "digest"})
        if unknown:
            raise InputError("%s.%s: unknown key; give repository and tag or digest" % (where, unknown[0]))
        repository, tag, digest = entry.get("repository"), entry.get("tag"), entry.get("digest")
        if not isinstance(repository, str) or not REPOSITORY_NAME_RE.fullmatch(repository):
            raise InputError("%s.repository: %r is not a repository name" % (where, _short(repository)))
        if (tag is None) == (digest is None):
            raise InputError("%s: give tag or digest (one of them)" % where)
        if digest is not None and (not isinstance(digest, str) or not DIGEST_RE.fullmatch(digest)):
            raise InputError("%s.digest: %r is not an image digest (sha256: and 64 lowercase hex digits)" % (where, _short(digest)))
        if tag is not None and (not isinstance(tag, str) or not 1 <= len(tag) <= 300):
            raise InputError("%s.tag: %r is not an image tag" % (where, _short(tag)))
        found.append(ImageRef(repository, tag, digest, "keep_images"))
    return found


def check_max_delete(value: Any, option: str = "max_delete") -> tuple[int, bool] | None:
    """(count, is_percent) of ``max_delete`` (an int, or "N%" of a repository's images), None when not given."""
    if value is None:
        return None
    if isinstance(value, str) and MAX_DELETE_RE.fullmatch(value.strip()):
        percent = int(value.strip()[:-1])
        if percent > 100:
            raise InputError("%s: %r is over 100%%" % (option, value))
        return percent, True
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())) or int(value) < 0:
        raise InputError("%s: %r is not accepted; give a count (0 or more) or a percentage such as 10%%" % (option, _short(value)))
    return int(value), False


def delete_limit(limit: tuple[int, bool] | None, images: int) -> int | None:
    """How many images of a repository of ``images`` images ``max_delete`` lets go (a percentage rounded down)."""
    if limit is None:
        return None
    number, percent = limit
    return images * number // 100 if percent else number
