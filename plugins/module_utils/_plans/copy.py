# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks and the plan of ecr_image_copy: what to copy of an image, given its manifests at the source and
what the destination holds. Pure functions.

Manifests come in as BatchGetImage entries (``imageManifest``, ``imageManifestMediaType``) by digest. The
plan lists the manifests to put in the order ECR takes them (an index's children before the index, an
artifact after the image it refers to) and the blobs (config and layers) the destination lacks, each once.
"""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import _short
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import INDEX_MEDIA_TYPES, image_reference, index_children
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

MIB = 1024 * 1024
# UploadLayerPart: "The maximum size of each image layer part can be 20971520 bytes"; CompleteLayerUpload's
# LayerPartTooSmallException: "Layer parts must be at least 5 MiB in size" (all but the last one; the ECR API
# Reference, https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_UploadLayerPart.html)
PART_MIN, PART_MAX, PART_DEFAULT = 5 * MIB, 20971520, 10 * MIB
# the bytes of layer parts held in memory at once across the layers copied at a time, read or being sent (a part
# is held as its base64 text, a third more); at least one part whatever its size
PARTS_HELD = 30 * MIB
# BatchCheckLayerAvailability takes 1 to 100 digests a call (botocore's ECR model)
LAYER_CHECK_MAX = 100
CONCURRENCY_MAX = 32
SOURCE_KEYS = ("repository", "image", "registry_id", "region", "profile", "assume_role_arn", "role_session_name", "endpoint_url")


def check_source(source: Any) -> dict[str, Any]:
    """The ``source`` option with its image as an ImageIdentifier (``ident``); InputError naming what is wrong."""
    if not isinstance(source, dict):
        raise InputError("source: give a dictionary with repository and image")
    unknown = sorted(set(source) - set(SOURCE_KEYS))
    if unknown:
        raise InputError("source: unknown keys %s; accepted: %s" % (", ".join(unknown), ", ".join(SOURCE_KEYS)))
    for key in ("repository", "image"):
        if not source.get(key):
            raise InputError("source.%s: required" % key)
    if source.get("role_session_name") and not source.get("assume_role_arn"):
        raise InputError("source.role_session_name: names the session of source.assume_role_arn; give that too")
    checked = dict(source)
    checked["ident"] = image_reference(source["image"], "source.image")
    return checked


def check_concurrency(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= CONCURRENCY_MAX:
        raise InputError("max_concurrency: %r is not a number of blobs from 1 to %d" % (_short(value), CONCURRENCY_MAX))
    return value


def part_size(answered: Any) -> int:
    """The part size to send: the ``partSize`` InitiateLayerUpload answered, within ECR's limits (10 MiB when none)."""
    if not isinstance(answered, int) or isinstance(answered, bool) or answered <= 0:
        return PART_DEFAULT
    return max(PART_MIN, min(PART_MAX, answered))


def _document(manifest: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = json.loads(manifest["imageManifest"])
    except (ValueError, KeyError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def media_type_of(manifest: dict[str, Any]) -> str | None:
    return manifest.get("imageManifestMediaType") or _document(manifest).get("mediaType")


def is_index_manifest(manifest: dict[str, Any]) -> bool:
    return media_type_of(manifest) in INDEX_MEDIA_TYPES or "manifests" in _document(manifest)


def children_of(manifest: dict[str, Any]) -> list[str]:
    return index_children(manifest.get("imageManifest") or "") if is_index_manifest(manifest) else []


def blobs_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The blobs an image manifest names (its config, its layers, an artifact's blobs): digest and size."""
    if is_index_manifest(manifest):
        return []
    document = _document(manifest)
    named = [document.get("config")] + list(document.get("layers") or []) + list(document.get("blobs") or [])
    return [{"digest": d["digest"], "size": int(d.get("size") or 0)} for d in named if isinstance(d, dict) and d.get("digest")]


def copy_order(root: str, manifests: dict[str, dict[str, Any]], referrers: dict[str, list[str]]) -> list[str]:
    """Every manifest digest to copy for ``root``, in the order to put them: each index's children before it,
    each artifact (``referrers``: subject -> the digests referring to it) after its subject; each digest once."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(digest: str) -> None:
        if digest in seen:
            return
        seen.add(digest)
        for child in children_of(manifests.get(digest, {})):
            visit(child)
        order.append(digest)
        for referrer in referrers.get(digest, []):
            visit(referrer)

    visit(root)
    return order


def plan_copy(order: list[str], manifests: dict[str, dict[str, Any]], present: set[str], available: dict[str, bool]) -> dict[str, Any]:
    """What to write: the manifests of ``order`` the destination lacks (``present``: its image digests), in that
    order, and the blobs they name that it lacks (``available``: blob digest -> held), each once.

    Returns manifests (digests), blobs ({digest, size}), bytes (their sum), skipped (blobs held already)."""
    put = [digest for digest in order if digest not in present]
    blobs: dict[str, int] = {}
    held: set[str] = set()
    for digest in put:
        for blob in blobs_of(manifests[digest]):
            if available.get(blob["digest"]):
                held.add(blob["digest"])
            else:
                blobs.setdefault(blob["digest"], blob["size"])
    return {
        "manifests": put,
        "blobs": [{"digest": d, "size": s} for d, s in blobs.items()],
        "bytes": sum(blobs.values()),
        "skipped": len(held),
    }


def blobs_to_check(order: list[str], manifests: dict[str, dict[str, Any]], present: set[str]) -> list[str]:
    """The blob digests of the manifests the destination lacks, each once: what BatchCheckLayerAvailability asks."""
    found: dict[str, None] = {}
    for digest in order:
        if digest not in present:
            for blob in blobs_of(manifests[digest]):
                found.setdefault(blob["digest"], None)
    return list(found)
