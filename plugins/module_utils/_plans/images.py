# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks and plans for the images of a repository (ecr_image_info, ecr_image, ecr_image_scan). Pure functions.

Images come in as DescribeImages entries (AWS's camelCase shape: ``imageDigest``, ``imageTags``,
``imageStatus``, ``imageManifestMediaType``). Plans say what changes, in the options' words; the calls
are made by ``_aws.ecr`` for the flows in ``_flows.images``.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Iterable

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import IMAGE_TAG_RE, _short
from ansible_collections.stowage.ecr.plugins.module_utils._plans.push import tag_is_immutable
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

# what ECR stores: a digest names the manifest (sha256, or sha512 for OCI content)
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}")
IMAGE_IDS_MAX = 100
TAG_PATTERN_RE = re.compile(r"[A-Za-z0-9_.*?\[\]!-]{1,128}")
# ListImageReferrersFilter.artifactTypes: at most 5 types, each 1 to 255 characters (botocore's ECR model)
ARTIFACT_TYPES_MAX, ARTIFACT_TYPE_MAX = 5, 255

INDEX_MEDIA_TYPES = ("application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json")
# BatchGetImage returns a manifest as it is stored only when its media type is accepted
ACCEPTED_MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/vnd.docker.distribution.manifest.v1+json",
]

TAG_STATUSES = {"tagged": "TAGGED", "untagged": "UNTAGGED", "any": "ANY"}
IMAGE_STATUSES = {"active": "ACTIVE", "archived": "ARCHIVED", "activating": "ACTIVATING", "any": "ANY"}
STORAGE_CLASSES = {"archive": "ARCHIVE", "standard": "STANDARD"}

# lowest first; enhanced scanning's UNTRIAGED counts as UNDEFINED
SEVERITIES = ("UNDEFINED", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
# scan states that are not (yet) a result, and those that will never be one
SCAN_WAITING = ("IN_PROGRESS", "PENDING")
SCAN_DONE = ("COMPLETE", "ACTIVE")


# checks -----------------------------------------------------------------------------------------


def check_digest(value: Any, option: str) -> str:
    if not isinstance(value, str) or not DIGEST_RE.fullmatch(value):
        raise InputError("%s: %r is not an image digest; give sha256: and 64 lowercase hex digits (as DescribeImages returns it)" % (option, _short(value)))
    return value


def check_tag(value: Any, option: str) -> str:
    if not isinstance(value, str) or not IMAGE_TAG_RE.fullmatch(value):
        raise InputError(
            "%s: %r is not an image tag; a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'" % (option, _short(value))
        )
    return value


def check_tags(values: Any, option: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise InputError("%s: give a list of image tags" % option)
    checked = [check_tag(value, "%s[%d]" % (option, n)) for n, value in enumerate(values)]
    return list(dict.fromkeys(checked))


def check_digests(values: Any, option: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise InputError("%s: give a list of image digests" % option)
    return list(dict.fromkeys(check_digest(value, "%s[%d]" % (option, n)) for n, value in enumerate(values)))


def image_reference(value: Any, option: str) -> dict[str, str]:
    """An image named by tag or digest, as an AWS ImageIdentifier."""
    if isinstance(value, str) and ":" in value:
        return {"imageDigest": check_digest(value, option)}
    return {"imageTag": check_tag(value, option)}


def check_image_ids(values: Any, option: str = "image_ids") -> list[dict[str, str]]:
    """``image_ids`` items ({image_tag, image_digest}, at least one of them) as AWS ImageIdentifiers."""
    if values is None:
        return []
    ids = []
    for n, item in enumerate(values):
        where = "%s[%d]" % (option, n)
        if not isinstance(item, dict) or not (item.get("image_tag") or item.get("image_digest")):
            raise InputError("%s: give image_tag, image_digest or both" % where)
        ident = {}
        if item.get("image_digest"):
            ident["imageDigest"] = check_digest(item["image_digest"], where + ".image_digest")
        if item.get("image_tag"):
            ident["imageTag"] = check_tag(item["image_tag"], where + ".image_tag")
        ids.append(ident)
    return ids


def check_tag_patterns(values: Any, option: str = "tag_patterns") -> list[str]:
    if values is None:
        return []
    for n, value in enumerate(values):
        if not isinstance(value, str) or not TAG_PATTERN_RE.fullmatch(value):
            raise InputError(
                "%s[%d]: %r is not a tag pattern; give 1 to 128 tag characters with the wildcards '*' and '?' (for example release-*)"
                % (option, n, _short(value))
            )
    return list(values)


def check_artifact_types(values: Any, option: str = "referrer_artifact_types") -> list[str]:
    if values is None:
        return []
    if len(values) > ARTIFACT_TYPES_MAX:
        raise InputError("%s: %d artifact types given; ECR filters by at most %d" % (option, len(values), ARTIFACT_TYPES_MAX))
    for n, value in enumerate(values):
        if not isinstance(value, str) or not 1 <= len(value) <= ARTIFACT_TYPE_MAX:
            raise InputError(
                "%s[%d]: %r is not an artifact type; give a media type of 1 to %d characters (for example application/spdx+json)"
                % (option, n, _short(value), ARTIFACT_TYPE_MAX)
            )
    return list(dict.fromkeys(values))


def check_wait_timeout(value: Any, option: str = "wait_timeout") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 86400:
        raise InputError("%s: %r is not accepted; give a number of seconds from 0 to 86400" % (option, value))
    return value


def check_finding_names(values: Any, option: str = "ignore_findings") -> list[str]:
    if values is None:
        return []
    for n, value in enumerate(values):
        if not isinstance(value, str) or not value.strip() or len(value) > 256:
            raise InputError("%s[%d]: %r is not a finding name; give the name a finding has, such as CVE-2024-3094" % (option, n, _short(value)))
    return [v.strip() for v in values]


# reading images -----------------------------------------------------------------------------------


def tags_of(image: dict[str, Any]) -> list[str]:
    return list(image.get("imageTags") or [])


def status_of(image: dict[str, Any]) -> str:
    return str(image.get("imageStatus") or "ACTIVE")


def is_index(image: dict[str, Any]) -> bool:
    return image.get("imageManifestMediaType") in INDEX_MEDIA_TYPES


def select_images(images: Iterable[dict[str, Any]], tag_status: str = "any", tag_patterns: list[str] | None = None) -> list[dict[str, Any]]:
    """``images`` with the tag status asked for and, with ``tag_patterns``, a tag matching one of them."""
    selected = []
    for image in images:
        tags = tags_of(image)
        if tag_status == "tagged" and not tags or tag_status == "untagged" and tags:
            continue
        if tag_patterns and not any(fnmatch.fnmatchcase(tag, pattern) for tag in tags for pattern in tag_patterns):
            continue
        selected.append(image)
    return selected


def find_image(images: Iterable[dict[str, Any]], ident: dict[str, str]) -> dict[str, Any] | None:
    """The image an ImageIdentifier names (a tag and a digest together must agree), or None."""
    for image in images:
        if ident.get("imageDigest") and image.get("imageDigest") != ident["imageDigest"]:
            continue
        if ident.get("imageTag") and ident["imageTag"] not in tags_of(image):
            continue
        return image
    return None


def index_children(manifest_text: str) -> list[str]:
    """The digests an image index (or manifest list) refers to."""
    try:
        document = json.loads(manifest_text)
    except ValueError:
        return []
    return [m["digest"] for m in document.get("manifests") or [] if isinstance(m, dict) and m.get("digest")]


def state_of(images: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each digest's tags and image status: what the diff shows."""
    return {image["imageDigest"]: {"image_tags": sorted(tags_of(image)), "image_status": status_of(image)} for image in images}


# plans ----------------------------------------------------------------------------------------------


def plan_promotion(images: list[dict[str, Any]], source: dict[str, Any], tags: list[str], mutability: str, filters: Any) -> dict[str, Any]:
    """Which ``tags`` must be put on the ``source`` image, and which of those the repository refuses to move.

    A tag on the source already is no change; a tag on no image is added (allowed in any repository);
    a tag on another image moves, which an immutable tag refuses.
    """
    put, conflicts, moved_from = [], [], {}
    for tag in tags:
        holder = find_image(images, {"imageTag": tag})
        if holder is not None and holder["imageDigest"] == source["imageDigest"]:
            continue
        put.append(tag)
        if holder is not None:
            moved_from[tag] = holder["imageDigest"]
            if tag_is_immutable(tag, mutability, filters):
                conflicts.append(tag)
    return {"put": put, "conflicts": conflicts, "moved_from": moved_from}


def plan_removal(images: list[dict[str, Any]], tags: list[str], digests: list[str], force: bool, references: dict[str, list[str]]) -> dict[str, Any]:
    """What ``state: absent`` with ``tags`` and ``image_digests`` does, and what it refuses.

    ``references`` maps a child digest to the digests of the image indexes in the repository that
    refer to it. Returns untag (tags whose image keeps another tag), delete (digests, indexes first),
    and refusals (messages; nothing may be written when there is one).
    """
    by_digest = {image["imageDigest"]: image for image in images}
    deleting = [d for d in digests if d in by_digest]
    removing: dict[str, list[str]] = {}
    for tag in tags:
        holder = find_image(images, {"imageTag": tag})
        if holder is not None and holder["imageDigest"] not in deleting:
            removing.setdefault(holder["imageDigest"], []).append(tag)
    refusals: list[str] = []
    for digest, removed in removing.items():
        if [t for t in tags_of(by_digest[digest]) if t not in removed]:
            continue
        # ECR deletes an image when its last tag goes
        if not force:
            refusals.append(
                "tags: removing %s would remove the last tag of image %s, and ECR deletes an image with its last tag; "
                "add force: true to delete it" % (", ".join(removed), digest)
            )
        deleting.append(digest)
    for digest in digests:
        if digest in by_digest and tags_of(by_digest[digest]) and not force:
            refusals.append(
                "image_digests: image %s still has the tags %s; add force: true to delete it with its tags" % (digest, ", ".join(tags_of(by_digest[digest])))
            )
    for digest in deleting:
        holders = [index for index in references.get(digest, []) if index not in deleting]
        if holders:
            option = "image_digests" if digest in digests else "tags"
            refusals.append(
                "%s: image %s is part of the image index %s in this repository; ECR refuses to delete it while an index refers "
                "to it. Delete the index too (list it in image_digests)" % (option, digest, ", ".join(holders))
            )
    # an index goes before the images it refers to
    deleting.sort(key=lambda d: 0 if is_index(by_digest[d]) else 1)
    # a deleted image's tags go with it
    untag = [tag for digest, removed in removing.items() if digest not in deleting for tag in removed]
    return {"untag": untag, "delete": deleting, "refusals": refusals}


def plan_storage(images: list[dict[str, Any]], digests: list[str], storage_class: str) -> dict[str, Any]:
    """Which images UpdateImageStorageClass must move to ``storage_class`` (archive or standard)."""
    by_digest = {image["imageDigest"]: image for image in images}
    change, refusals = [], []
    for digest in digests:
        status = status_of(by_digest[digest])
        if storage_class == "archive":
            if status == "ACTIVATING":
                refusals.append("storage_class: image %s is being restored from archive (ACTIVATING); archive it once it is ACTIVE" % digest)
            elif status == "ACTIVE":
                change.append(digest)
        elif status == "ARCHIVED":
            change.append(digest)
    return {"change": change, "refusals": refusals}


def after_promotion(state: dict[str, dict[str, Any]], source: str, put: list[str]) -> dict[str, dict[str, Any]]:
    after = {d: dict(v, image_tags=[t for t in v["image_tags"] if t not in put]) for d, v in state.items()}
    after[source]["image_tags"] = sorted(set(after[source]["image_tags"]) | set(put))
    return after


def after_removal(state: dict[str, dict[str, Any]], untag: list[str], delete: list[str]) -> dict[str, dict[str, Any]]:
    return {d: dict(v, image_tags=[t for t in v["image_tags"] if t not in untag]) for d, v in state.items() if d not in delete}


def after_storage(state: dict[str, dict[str, Any]], change: list[str], storage_class: str) -> dict[str, dict[str, Any]]:
    status = "ARCHIVED" if storage_class == "archive" else "ACTIVATING"
    return {d: dict(v, image_status=status) if d in change else dict(v) for d, v in state.items()}


# scan findings ----------------------------------------------------------------------------------------


def severity_rank(severity: Any) -> int:
    name = str(severity or "UNDEFINED").upper()
    if name == "UNTRIAGED":
        name = "UNDEFINED"
    return SEVERITIES.index(name) if name in SEVERITIES else 0


def finding_names(finding: dict[str, Any]) -> list[str]:
    """The names a finding goes by: a basic finding's ``name``, an enhanced finding's vulnerability id and title."""
    names = [finding.get("name"), finding.get("title"), (finding.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId")]
    return [n for n in names if n]


def count_findings(findings: list[dict[str, Any]], ignore: list[str]) -> dict[str, int]:
    """Findings per severity, those named in ``ignore`` left out."""
    counts: dict[str, int] = {}
    for finding in findings:
        if any(name in ignore for name in finding_names(finding)):
            continue
        severity = SEVERITIES[severity_rank(finding.get("severity"))]
        counts[severity] = counts.get(severity, 0) + 1
    return counts


def gate(counts: dict[str, int], threshold: str | None) -> dict[str, int]:
    """The counts at or above ``threshold`` (nothing when no threshold)."""
    if not threshold:
        return {}
    floor = severity_rank(threshold)
    return {severity: n for severity, n in counts.items() if n and severity_rank(severity) >= floor}
