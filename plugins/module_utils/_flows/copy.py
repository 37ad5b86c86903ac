# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ecr_image_copy: an image copied by digest from one repository (another region, account or partition) to
another through ECR's own API, with its index's children and its referrers, no Docker involved.

Reads first: the source image (DescribeImages), its signing status and scan findings when they gate the copy,
the destination repository and what its tags hold; everything that can be refused is refused before the first
write. An archived source is restored first when asked (UpdateImageStorageClass) and waited for. Then the
manifests (BatchGetImage, every media type accepted, so each comes as stored), the children of an index and the
referrers (ListImageReferrers), what the destination holds (DescribeImages by digest,
BatchCheckLayerAvailability), the plan (``_plans.copy``) and the writes: each missing blob streamed from its
download URL (GetDownloadUrlForLayer) into an upload (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload),
``max_concurrency`` at a time, then each missing manifest with its digest (PutImage: children before their index,
artifacts after their subject), then the tags.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import Budget, botocore_version, client_as, known_regions
from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.region import region_problem
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_registry_id, check_repository_name
from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import batch_get_images
from ansible_collections.stowage.ecr.plugins.module_utils._oci.blob import encoded_parts, open_layer
from ansible_collections.stowage.ecr.plugins.module_utils._plans.copy import (
    PARTS_HELD,
    blobs_to_check,
    check_concurrency,
    check_source,
    children_of,
    copy_order,
    media_type_of,
    plan_copy,
)
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import (
    SCAN_DONE,
    check_tags,
    check_wait_timeout,
    find_image,
    gate,
    plan_promotion,
    severity_rank,
    status_of,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, PartialFailure, StowageError

ROLE_SESSION = "stowage-ecr-copy"


def _source_api(module: Any, source: dict[str, Any], workers: int) -> EcrApi:
    """The source's EcrApi: the task's client, or one of the source's own region, endpoint and credentials."""
    own = {key: source.get(key) for key in ("region", "endpoint_url", "profile", "assume_role_arn")}
    if not any(own.values()):
        return EcrApi(module, registry_id=source.get("registry_id"), workers=workers)
    aws_client = client_as(
        module,
        "ecr",
        region=own["region"],
        endpoint=own["endpoint_url"],
        profile=own["profile"],
        role_arn=own["assume_role_arn"],
        session_name=source.get("role_session_name") or ROLE_SESSION,
    )
    return EcrApi(module, registry_id=source.get("registry_id"), workers=workers, aws_client=aws_client)


def _check_input(module: Any) -> dict[str, Any]:
    params = module.params
    source = check_source(params["source"])
    check_repository_name(source["repository"], option="source.repository")
    check_registry_id(source.get("registry_id"), option="source.registry_id")
    check_repository_name(params["repository"], option="repository")
    check_registry_id(params["registry_id"])
    error, warning = region_problem(source.get("region"), known_regions(), botocore_version())
    if error:
        raise InputError("source." + error)
    if warning:
        module.warn("source." + warning)
    if params["tags"] is not None:
        tags = check_tags(params["tags"], "tags")
    else:
        tags = [source["ident"]["imageTag"]] if "imageTag" in source["ident"] else []
    return {
        "source": source,
        "tags": tags,
        "workers": check_concurrency(params["max_concurrency"]),
        "timeout": check_wait_timeout(params["wait_timeout"]),
    }


def _source_image(api: EcrApi, source: dict[str, Any]) -> dict[str, Any]:
    found = api.images_unless_no_repository(source["repository"], [source["ident"]])
    if found is None:
        raise InputError("source.repository: %s does not exist in the source registry (%s)" % (source["repository"], api.region))
    if not found:
        raise InputError("source.image: repository %s (%s) has no image %s" % (source["repository"], api.region, source["image"]))
    return found[0]


def _gates(module: Any, api: EcrApi, source: dict[str, Any], digest: str) -> None:
    """require_signed and fail_on_severity, on the source image: InputError naming the option when it fails them."""
    params = module.params
    name = source["repository"]
    if params["require_signed"]:
        answer = api.image_signing_status(name, digest) or {}
        statuses = answer.get("signingStatuses") or []
        if not statuses or any(s.get("status") != "COMPLETE" for s in statuses):
            shown = ", ".join("%s: %s" % (s.get("signingProfileArn"), s.get("status")) for s in statuses) or "no signing status"
            raise InputError("require_signed: image %s in %s is not signed (%s); nothing was copied" % (digest, name, shown))
    threshold = params["fail_on_severity"]
    if threshold:
        found = api.scan_findings(name, digest, every_page=False)
        status = ((found or {}).get("imageScanStatus") or {}).get("status")
        if found is None or status not in SCAN_DONE:
            raise InputError(
                "fail_on_severity: image %s in %s has no scan result (%s); scan it first (stowage.ecr.ecr_image_scan); nothing was copied"
                % (digest, name, status or "no scan")
            )
        counts = dict((found.get("imageScanFindings") or {}).get("findingSeverityCounts") or {})
        above = gate(counts, threshold)
        if above:
            listed = ", ".join("%s %d" % (s, above[s]) for s in sorted(above, key=severity_rank, reverse=True))
            raise InputError("fail_on_severity: image %s in %s has findings at or above %s (%s); nothing was copied" % (digest, name, threshold, listed))


def _await_active(
    api: EcrApi, source: dict[str, Any], digest: str, restore: bool, timeout: int, sleep: Callable[[float], None], clock: Callable[[], float]
) -> None:
    """The source image restored (UpdateImageStorageClass to STANDARD) when ``restore``, and waited for until ACTIVE."""
    name = source["repository"]
    if restore:
        api.update_image_storage_class(name, digest, "STANDARD")
    last = api.poll_image(name, digest, lambda image: status_of(image) == "ACTIVE", timeout, sleep=sleep, clock=clock)
    if status_of(last) != "ACTIVE":
        raise StowageError(
            "source.image: image %s in %s is %s after %d seconds of its restore; run again later (the restore goes on), or wait longer (wait_timeout)"
            % (digest, name, status_of(last), timeout)
        )


def _read_tree(api: EcrApi, name: str, manifests: dict[str, dict[str, Any]], digests: list[str]) -> list[str]:
    """The manifests of ``digests`` and of their children (an index's), those not in ``manifests`` yet, read into
    it; returns the digests read."""
    read: list[str] = []
    queue = list(dict.fromkeys(d for d in digests if d not in manifests))
    while queue:
        manifests.update(batch_get_images(api, name, queue))
        read.extend(queue)
        queue = list(dict.fromkeys(c for d in queue for c in children_of(manifests[d]) if c not in manifests))
    return read


def _manifests(api: EcrApi, name: str, root: str, referrers: bool, module: Any) -> tuple[list[str], dict[str, dict[str, Any]], list[str]]:
    """(the digests to copy in order, their BatchGetImage entries, the referrers' digests) of image ``root`` of
    repository ``name``. The referrers of every manifest read are listed, and theirs in turn."""
    manifests: dict[str, dict[str, Any]] = {}
    referred: dict[str, list[str]] = {}
    fresh = _read_tree(api, name, manifests, [root])
    while referrers and fresh:
        found_lists = api.parallel(functools.partial(api.image_referrers, name), fresh)
        more: list[str] = []
        for subject, found in zip(fresh, found_lists):
            referred[subject] = [r["digest"] for r in found if r.get("artifactStatus", "ACTIVE") == "ACTIVE"]
            skipped = [r["digest"] for r in found if r.get("artifactStatus", "ACTIVE") != "ACTIVE"]
            if skipped:
                module.warn("Referrers %s of %s are not active (archived) and are not copied." % (", ".join(skipped), subject))
            more.extend(referred[subject])
        fresh = _read_tree(api, name, manifests, more)
    order = copy_order(root, manifests, referred)
    return order, manifests, list(dict.fromkeys(d for subject in order for d in referred.get(subject, [])))


def _copy_blob(source_api: EcrApi, dest: EcrApi, source_name: str, name: str, done: dict[str, Any], lock: Any, budget: Budget, blob: dict[str, Any]) -> None:
    digest = blob["digest"]
    url = source_api.layer_download_url(source_name, digest)
    response = open_layer(url, digest)
    try:
        sent = dest.upload_layer(name, digest, functools.partial(encoded_parts, response, digest), blob["size"], budget)
    finally:
        response.close()  # read to its end, or an upload that failed part-way
    with lock:
        done["blobs"] += 1
        done["bytes"] += sent


def copy_image(module: Any, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """ecr_image_copy's result for ``module.params``. Raises InputError (nothing written), PartialFailure (some
    written: what, in its result), or boto errors."""
    params = module.params
    want = _check_input(module)
    source, tags, workers = want["source"], want["tags"], want["workers"]
    name = params["repository"]
    source_api = _source_api(module, source, workers)
    dest = EcrApi(module, registry_id=params["registry_id"], workers=workers)

    image = _source_image(source_api, source)
    root = image["imageDigest"]
    status = status_of(image)
    restore = status != "ACTIVE"
    if restore and not params["restore"]:
        raise InputError(
            "source.image: image %s in %s is %s and cannot be read until it is restored; restore it first (stowage.ecr.ecr_image "
            "storage_class: standard) or give restore: true; nothing was copied" % (root, source["repository"], status)
        )
    if restore and status == "ACTIVATING":
        restore = False  # on its way back: only waited for
    _gates(module, source_api, source, root)

    tag_plan, tags_before = destination_tags(dest, name, root, tags)
    result: dict[str, Any] = {"changed": False, "digest": root, "tags": tags, "referrers": [], "restored": False}
    result["copied"] = {"manifests": 0, "blobs": 0, "bytes": 0, "skipped": 0}

    if status != "ACTIVE":
        if module.check_mode:
            module.warn("Image %s is %s; its manifests are read once it is restored, so check mode cannot say what would be copied." % (root, status))
            result.update(changed=True, restored=restore)
            result["diff"] = {"before": {"tags": tags_before}, "after": {"tags": {t: root for t in tags}}}
            return result
        _await_active(source_api, source, root, restore, want["timeout"], sleep, clock)
        result["restored"] = restore
    return copy_into(module, source_api, dest, source["repository"], name, result, tag_plan, tags_before, params["include_referrers"])


def destination_tags(dest: EcrApi, name: str, root: str, tags: list[str]) -> tuple[dict[str, Any], dict[str, str | None]]:
    """(the tag plan at the destination, the digest each tag holds there now) for image ``root`` tagged ``tags`` in
    repository ``name``; InputError, before any write, when the repository is missing or an immutable tag holds
    another image."""
    repo = dest.describe(name)
    if repo is None:
        raise InputError("repository: %s does not exist in the destination registry (%s); create it first (stowage.ecr.ecr_repository)" % (name, dest.region))
    holders, _missing = dest.describe_image_ids(name, [{"imageTag": t} for t in tags]) if tags else ([], [])
    filters = [f.get("filter") for f in repo.get("imageTagMutabilityExclusionFilters") or []]
    tag_plan = plan_promotion(holders, {"imageDigest": root}, tags, repo.get("imageTagMutability", "MUTABLE"), filters)
    if tag_plan["conflicts"]:
        raise InputError(
            "tags: repository %s has image tag mutability %s, and its tags %s hold another image than %s; ECR would refuse to move "
            "them. Nothing was copied." % (name, repo.get("imageTagMutability", "MUTABLE"), ", ".join(tag_plan["conflicts"]), root)
        )
    return tag_plan, {t: (find_image(holders, {"imageTag": t}) or {}).get("imageDigest") for t in tags}


def copy_into(
    module: Any,
    source_api: EcrApi,
    dest: EcrApi,
    source_name: str,
    name: str,
    result: dict[str, Any],
    tag_plan: dict[str, Any],
    tags_before: dict[str, str | None],
    referrers: bool,
) -> dict[str, Any]:
    """The active image ``result["digest"]`` of ``source_name`` (``source_api``'s side) copied into ``name``
    (``dest``'s side) with its children (and its referrers with ``referrers``) and tagged ``result["tags"]`` as
    ``tag_plan`` (``destination_tags``) says: what the destination lacks is read, planned and, out of check mode,
    written. ``result`` is completed and returned; PartialFailure when a write fails after another."""
    root, tags = result["digest"], result["tags"]
    order, manifests, found_referrers = _manifests(source_api, source_name, root, referrers, module)
    present_images, _missing = dest.describe_image_ids(name, [{"imageDigest": d} for d in order])
    present = {i["imageDigest"] for i in present_images}
    check = blobs_to_check(order, manifests, present)
    available = dest.layers_available(name, check) if check else {}
    plan = plan_copy(order, manifests, present, available)
    result["referrers"] = found_referrers
    result["copied"] = {"manifests": len(plan["manifests"]), "blobs": len(plan["blobs"]), "bytes": plan["bytes"], "skipped": plan["skipped"]}
    result["changed"] = bool(plan["manifests"] or tag_plan["put"] or result["restored"])
    result["diff"] = {
        "before": {"manifests": sorted(present), "tags": tags_before},
        "after": {"manifests": sorted(order), "tags": {t: root for t in tags}},
    }
    if module.check_mode or not result["changed"]:
        return result

    done = {"blobs": 0, "bytes": 0, "manifests": 0}
    try:
        # max_concurrency blobs at a time, the largest first; the parts they hold in memory bounded across them
        blobs = sorted(plan["blobs"], key=lambda b: -b["size"])
        dest.parallel(functools.partial(_copy_blob, source_api, dest, source_name, name, done, threading.Lock(), Budget(PARTS_HELD)), blobs)
        tagged: set[str] = set()
        for digest in plan["manifests"]:
            # the image itself is put under its first tag, its children and referrers untagged
            first = tags[0] if digest == root and tags else None
            dest.put_image(name, manifests[digest]["imageManifest"], media_type_of(manifests[digest]), first, digest)
            tagged.update([first] if first else [])
            done["manifests"] += 1
        for tag in tag_plan["put"]:
            if tag not in tagged:
                dest.put_image(name, manifests[root]["imageManifest"], media_type_of(manifests[root]), tag, root)
    except AWS_ERRORS + (StowageError,) as e:
        if not (done["blobs"] or done["manifests"] or result["restored"]):
            raise
        partial = dict(result, changed=True)
        partial["copied"] = dict(result["copied"], manifests=done["manifests"], blobs=done["blobs"], bytes=done["bytes"])
        raise PartialFailure(e, partial) from e
    return result
