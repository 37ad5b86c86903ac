# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three image tasks: ``image_report`` (ecr_image_info), ``converge_image`` (ecr_image) and
``scan_report`` (ecr_image_scan), on the image calls of ``_aws.ecr`` (DescribeImages, BatchGetImage,
PutImage, BatchDeleteImage, UpdateImageStorageClass, StartImageScan, DescribeImageScanFindings,
ListImageReferrers, DescribeImageSigningStatus).

The calls return AWS's shapes; the checks and plans are ``_plans.images``' pure functions; the views are
``_views.results``'. Everything that can be refused is refused before the first write.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_registry_id, check_repository_name
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import (
    IMAGE_STATUSES,
    SCAN_DONE,
    SCAN_WAITING,
    STORAGE_CLASSES,
    TAG_STATUSES,
    after_promotion,
    after_removal,
    after_storage,
    check_artifact_types,
    check_digests,
    check_finding_names,
    check_image_ids,
    check_tag_patterns,
    check_tags,
    check_wait_timeout,
    count_findings,
    find_image,
    gate,
    image_reference,
    index_children,
    is_index,
    plan_promotion,
    plan_removal,
    plan_storage,
    select_images,
    severity_rank,
    state_of,
    status_of,
    tags_of,
)
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import (
    image_detail_view,
    image_referrer_view,
    image_signing_status_view,
    scan_findings_view,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, ImageCallFailed, InputError, PartialFailure, ScanFailed, StowageError

# calls ------------------------------------------------------------------------------------------------


def batch_get_images(api: EcrApi, name: str, digests: list[str]) -> dict[str, dict[str, Any]]:
    """BatchGetImage of ``digests``, each manifest as stored; by digest. Raises ImageCallFailed when ECR
    reports failures."""
    got, failures = api.batch_get_images(name, digests)
    if failures:
        raise ImageCallFailed("ECR could not read the manifests of %s (repository %s)" % (_failure_text(failures), name), failures)
    return got


def _failure_text(failures: list[dict[str, Any]]) -> str:
    return "; ".join(
        "%s: %s (%s)" % ((f.get("imageId") or {}).get("imageDigest") or (f.get("imageId") or {}).get("imageTag"), f.get("failureCode"), f.get("failureReason"))
        for f in failures
    )


def batch_delete(api: EcrApi, name: str, ids: list[dict[str, str]]) -> None:
    failures = api.batch_delete_images(name, ids)
    if failures:
        raise ImageCallFailed("ECR refused to delete %s (repository %s)" % (_failure_text(failures), name), failures)


# ecr_image_info ------------------------------------------------------------------------------------------


def image_report(module: Any) -> dict[str, Any]:
    params = module.params
    name = params["repository"]
    check_repository_name(name, option="repository")
    check_registry_id(params["registry_id"])
    ids = check_image_ids(params["image_ids"])
    patterns = check_tag_patterns(params["tag_patterns"])
    # options added in 0.2.0: AnsibleModule always sets them; a caller of the flow made before may not
    referrers, signing = bool(params.get("include_referrers")), bool(params.get("include_signing_status"))
    artifact_types = check_artifact_types(params.get("referrer_artifact_types"))
    if artifact_types and not referrers:
        raise InputError("referrer_artifact_types: it filters the referrers; give include_referrers: true too")
    api = EcrApi(module, registry_id=params["registry_id"])
    missing: list[dict[str, str]] = []
    if ids:
        images, missing = api.describe_image_ids(name, ids)
        images = select_images(images, params["tag_status"], patterns)
        if params["image_status"] != "any":
            images = [i for i in images if status_of(i) == IMAGE_STATUSES[params["image_status"]]]
    else:
        images = select_images(api.describe_images(name, TAG_STATUSES[params["tag_status"]], IMAGE_STATUSES[params["image_status"]]), "any", patterns)
    views = [image_detail_view(image) for image in images]
    if params["include_scan_findings"]:
        for view, image in zip(views, images):
            found = api.scan_findings(name, image["imageDigest"], every_page=True)
            view["scan_findings"] = scan_findings_view(found) if found is not None else None
    if referrers or signing:
        reads = functools.partial(_image_reads, api, name, referrers, artifact_types, signing)
        for view, extra in zip(views, api.parallel(reads, [image["imageDigest"] for image in images])):
            view.update(extra)
    return {
        "changed": False,
        "images": views,
        "missing": [{"image_tag": i.get("imageTag"), "image_digest": i.get("imageDigest")} for i in missing],
    }


def _image_reads(api: EcrApi, name: str, referrers: bool, artifact_types: list[str], signing: bool, digest: str) -> dict[str, Any]:
    """The reads asked for one image: its referrers (ListImageReferrers), its signing status (DescribeImageSigningStatus)."""
    extra: dict[str, Any] = {}
    if referrers:
        extra["referrers"] = [image_referrer_view(r) for r in api.image_referrers(name, digest, artifact_types)]
    if signing:
        extra["signing_status"] = image_signing_status_view(api.image_signing_status(name, digest))
    return extra


# ecr_image ------------------------------------------------------------------------------------------------


def _image_want(params: dict[str, Any]) -> dict[str, Any]:
    check_repository_name(params["repository"], option="repository")
    check_registry_id(params["registry_id"])
    want = {
        "tags": check_tags(params["tags"], "tags"),
        "digests": check_digests(params["image_digests"], "image_digests"),
        "source": image_reference(params["source"], "source") if params["source"] is not None else None,
        "storage_class": params["storage_class"],
    }
    if params["state"] == "absent":
        if params["source"] is not None or params["storage_class"]:
            raise InputError("state: absent removes tags and images; source and storage_class go with state: present")
        if not want["tags"] and not want["digests"]:
            raise InputError("tags, image_digests: with state: absent give the tags to remove, the image digests to delete, or both")
        return want
    if want["tags"] and want["source"] is None:
        raise InputError("source: the tags need the image they point to; give source (a tag or digest of an image in the repository)")
    if want["digests"] and not want["storage_class"]:
        raise InputError("image_digests: with state: present, image_digests only name the images for storage_class; give storage_class or state: absent")
    if not want["tags"] and not want["storage_class"]:
        raise InputError("tags, storage_class: give the tags to point at source, a storage_class, or state: absent")
    if want["storage_class"] and want["source"] is None and not want["digests"]:
        raise InputError("storage_class: give the images to archive or restore, as source or image_digests")
    return want


def _mutability_conflict(name: str, repo: dict[str, Any], source: dict[str, Any], conflicts: list[str]) -> str:
    return (
        "Repository %s has image tag mutability %s, and its tags %s already hold another image than %s; ECR would refuse "
        "to move them. Nothing was changed. Point new tags at the image, or allow these tags to move "
        "(image_tag_mutability or its exclusion filters)." % (name, repo.get("imageTagMutability", "MUTABLE"), ", ".join(conflicts), source["imageDigest"])
    )


def converge_image(module: Any) -> dict[str, Any]:
    """ecr_image's result for ``module.params``. Raises InputError (nothing written), ImageCallFailed or
    boto errors."""
    params = module.params
    want = _image_want(params)
    name = params["repository"]
    api = EcrApi(module, registry_id=params["registry_id"])
    repo = api.describe(name)
    if repo is None:
        raise InputError("repository: %s does not exist in this registry" % name)
    images = api.describe_images(name)
    before = state_of(images)
    after = {d: dict(v) for d, v in before.items()}
    affected: list[str] = []
    actions: list[dict[str, Any]] = []
    # each write with the actions it does: on a failure, what the writes before it did is in the failure's result
    writes: list[tuple[list[dict[str, Any]], Callable[[], None]]] = []
    source = None

    if want["source"] is not None:
        source = find_image(images, want["source"])
        if source is None:
            raise InputError("source: repository %s has no image %s" % (name, params["source"]))
        affected.append(source["imageDigest"])

    if params["state"] == "present" and want["tags"] and source is not None:
        if status_of(source) != "ACTIVE":
            raise InputError(
                "source: image %s is %s and cannot be read until it is restored; restore it first (storage_class: standard)"
                % (source["imageDigest"], status_of(source))
            )
        filters = [f.get("filter") for f in repo.get("imageTagMutabilityExclusionFilters") or []]
        plan = plan_promotion(images, source, want["tags"], repo.get("imageTagMutability", "MUTABLE"), filters)
        if plan["conflicts"]:
            raise InputError(_mutability_conflict(name, repo, source, plan["conflicts"]))
        affected.extend(plan["moved_from"].values())
        after = after_promotion(after, source["imageDigest"], plan["put"])
        manifests: dict[str, dict[str, Any]] = {}
        for tag in plan["put"]:
            action = {"action": "tag", "image_tag": tag, "image_digest": source["imageDigest"], "moved_from": plan["moved_from"].get(tag)}
            actions.append(action)
            writes.append(([action], functools.partial(_promote, api, name, source, [tag], manifests)))

    if params["state"] == "absent":
        for digest in want["digests"]:
            if digest in before:
                affected.append(digest)
        holders = [find_image(images, {"imageTag": tag}) for tag in want["tags"]]
        affected.extend(h["imageDigest"] for h in holders if h is not None)
        references = _index_references(api, name, images) if affected else {}
        plan = plan_removal(images, want["tags"], want["digests"], params["force"], references)
        if plan["refusals"]:
            raise InputError("; ".join(refusal.rstrip(".") for refusal in plan["refusals"]) + ". Nothing was changed.")
        after = after_removal(after, plan["untag"], plan["delete"])
        holder_of = {tag: image["imageDigest"] for image in images for tag in tags_of(image)}
        tags_on = {image["imageDigest"]: tags_of(image) for image in images}
        untags = [{"action": "untag", "image_tag": t, "image_digest": holder_of[t]} for t in plan["untag"]]
        deletes = [{"action": "delete", "image_digest": d, "image_tags": tags_on[d]} for d in plan["delete"]]
        actions.extend(untags + deletes)
        writes.extend(_removal_writes(api, name, images, untags, deletes))

    if want["storage_class"]:
        targets = ([source["imageDigest"]] if source is not None else []) + want["digests"]
        for digest in want["digests"]:
            if digest not in before:
                raise InputError("image_digests: repository %s has no image %s" % (name, digest))
        targets = list(dict.fromkeys(targets))
        affected.extend(targets)
        storage = plan_storage(images, targets, want["storage_class"])
        if storage["refusals"]:
            raise InputError(" ".join(storage["refusals"]))
        after = after_storage(after, storage["change"], want["storage_class"])
        target = STORAGE_CLASSES[want["storage_class"]]
        for digest in storage["change"]:
            action = {"action": want["storage_class"], "image_digest": digest}
            actions.append(action)
            writes.append(([action], functools.partial(_store, api, name, [digest], target)))

    changed = bool(actions)
    if changed and not module.check_mode:
        _write(writes)
        fresh, _missing = api.describe_image_ids(name, [{"imageDigest": d} for d in dict.fromkeys(affected) if d in after])
        after = dict(after)
        for digest, value in state_of(fresh).items():
            after[digest] = value
        views = [image_detail_view(image) for image in fresh]
    else:
        views = [image_detail_view(image) for image in images if image["imageDigest"] in affected and image["imageDigest"] in after]
        if module.check_mode:
            for view in views:
                view.update(after[view["image_digest"]])
    shown = list(dict.fromkeys(affected))
    result: dict[str, Any] = {
        "changed": changed,
        "actions": actions,
        "images": views,
        "diff": {"before": {d: before[d] for d in shown if d in before}, "after": {d: after[d] for d in shown if d in after}},
    }
    if source is not None:
        result["image_digest"] = source["imageDigest"]
    return result


def _write(writes: list[tuple[list[dict[str, Any]], Callable[[], None]]]) -> None:
    """Each write in turn; one that fails after others were done raises PartialFailure with their actions."""
    done: list[dict[str, Any]] = []
    for did, write in writes:
        try:
            write()
        except AWS_ERRORS + (StowageError,) as e:
            if not done:
                raise
            raise PartialFailure(e, {"changed": True, "actions": done}) from e
        done.extend(did)


def _promote(api: EcrApi, name: str, source: dict[str, Any], tags: list[str], manifests: dict[str, dict[str, Any]]) -> None:
    """PutImage of the source's own manifest (read once into ``manifests``), with its media type and digest, once per tag."""
    if source["imageDigest"] not in manifests:
        manifests.update(batch_get_images(api, name, [source["imageDigest"]]))
    manifest = manifests[source["imageDigest"]]
    for tag in tags:
        media_type = manifest.get("imageManifestMediaType") or source.get("imageManifestMediaType")
        # False: put there meanwhile, the tag holds the image
        api.put_image(name, manifest["imageManifest"], media_type, tag, source["imageDigest"])


def _index_references(api: EcrApi, name: str, images: list[dict[str, Any]]) -> dict[str, list[str]]:
    """child digest -> digests of the image indexes in the repository that refer to it (their manifests
    read with BatchGetImage; an archived index cannot be read and counts as referring to nothing known)."""
    indexes = [i["imageDigest"] for i in images if is_index(i) and status_of(i) == "ACTIVE"]
    references: dict[str, list[str]] = {}
    if not indexes:
        return references
    for digest, image in batch_get_images(api, name, indexes).items():
        for child in index_children(image.get("imageManifest") or ""):
            references.setdefault(child, []).append(digest)
    return references


def _removal_writes(
    api: EcrApi, name: str, images: list[dict[str, Any]], untags: list[dict[str, Any]], deletes: list[dict[str, Any]]
) -> list[tuple[list[dict[str, Any]], Callable[[], None]]]:
    """The removal's writes: the tags first, then the image indexes, then the other images (an index
    before the images it refers to)."""
    writes: list[tuple[list[dict[str, Any]], Callable[[], None]]] = []
    if untags:
        writes.append((untags, functools.partial(batch_delete, api, name, [{"imageTag": a["image_tag"]} for a in untags])))
    by_digest = {i["imageDigest"]: i for i in images}
    indexes = [a for a in deletes if is_index(by_digest[a["image_digest"]])]
    others = [a for a in deletes if a not in indexes]
    for batch in (indexes, others):
        if batch:
            writes.append((batch, functools.partial(batch_delete, api, name, [{"imageDigest": a["image_digest"]} for a in batch])))
    return writes


def _store(api: EcrApi, name: str, digests: list[str], target: str) -> None:
    for digest in digests:
        api.update_image_storage_class(name, digest, target)


# ecr_image_scan ------------------------------------------------------------------------------------------


def scan_report(module: Any, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """ecr_image_scan's result. Raises InputError (nothing started), ScanFailed, or boto errors."""
    params = module.params
    name = params["repository"]
    check_repository_name(name, option="repository")
    check_registry_id(params["registry_id"])
    if params["image_digest"] is not None:
        ident = image_reference(params["image_digest"], "image_digest")
        if "imageDigest" not in ident:
            raise InputError("image_digest: %r is not an image digest; give sha256: and 64 lowercase hex digits" % params["image_digest"])
        option = "image_digest"
    else:
        ident = {"imageTag": check_tags([params["image_tag"]], "image_tag")[0]}
        option = "image_tag"
    timeout = check_wait_timeout(params["wait_timeout"])
    ignore = check_finding_names(params["ignore_findings"])
    threshold = params["fail_on_severity"]

    api = EcrApi(module, registry_id=params["registry_id"])
    found, _missing = api.describe_image_ids(name, [ident])
    if not found:
        raise InputError("%s: repository %s has no image %s" % (option, name, params[option]))
    image = found[0]
    digest = image["imageDigest"]
    if status_of(image) != "ACTIVE":
        raise InputError(
            "%s: image %s is %s; ECR scans active images only, restore it first (stowage.ecr.ecr_image storage_class: standard)"
            % (option, digest, status_of(image))
        )
    result: dict[str, Any] = {"changed": False, "image_digest": digest, "image_tags": tags_of(image), "scan_started": False}
    every_page = bool(params["include_findings"] or ignore)
    response = api.scan_findings(name, digest, every_page)
    if response is None:
        result["changed"] = True
        if module.check_mode:
            result.update(image_scan_status=None, finding_severity_counts={})
            module.warn("Image %s has no scan yet; a real run starts one (check mode starts none, so nothing is gated)." % digest)
            return result
        result["scan_started"] = api.start_image_scan(name, digest)
        # not started: scanned within the last 24 hours, its scan is the one to read
        result["changed"] = result["scan_started"]
        response = None

    try:
        if response is None:
            response = api.scan_findings(name, digest, every_page) or {"imageScanStatus": {"status": "IN_PROGRESS"}}
        if params["wait"]:
            response = api.wait_for_scan(name, digest, every_page, response, timeout, sleep=sleep, clock=clock)
    except AWS_ERRORS as e:
        if not result["scan_started"]:
            raise
        raise PartialFailure(e, dict(result)) from e  # the scan was started: the failure says so

    view = scan_findings_view(response)
    status = (response.get("imageScanStatus") or {}).get("status")
    findings = view.get("findings", []) + view.get("enhanced_findings", [])
    counts = dict((response.get("imageScanFindings") or {}).get("findingSeverityCounts") or {})
    if ignore:
        raw = response.get("imageScanFindings") or {}
        counts = count_findings([*raw.get("findings", []), *raw.get("enhancedFindings", [])], ignore)
    result.update(
        image_scan_status=view.get("image_scan_status"),
        finding_severity_counts=counts,
        image_scan_completed_at=view.get("image_scan_completed_at"),
        vulnerability_source_updated_at=view.get("vulnerability_source_updated_at"),
    )
    if params["include_findings"]:
        result["findings"] = findings
    if status in SCAN_WAITING:
        if threshold or params["wait"]:
            raise ScanFailed(
                "The scan of image %s in %s has no result after %d seconds (status %s); it is not a pass. Wait longer (wait_timeout) or run again."
                % (digest, name, timeout if params["wait"] else 0, status),
                result=result,
            )
        return result
    if status not in SCAN_DONE:
        description = (response.get("imageScanStatus") or {}).get("description") or ""
        ended = "%s: %s" % (status, description) if description else status
        raise ScanFailed("The scan of image %s in %s ended %s; it is not a pass." % (digest, name, ended), result=result)
    above = gate(counts, threshold)
    if above:
        listed = ", ".join("%s %d" % (severity, above[severity]) for severity in sorted(above, key=severity_rank, reverse=True))
        raise ScanFailed(
            "Image %s in %s has findings at or above %s: %s (all counts: %s)%s."
            % (digest, name, threshold, listed, counts, "; ignored: %s" % ", ".join(ignore) if ignore else ""),
            result=result,
        )
    return result
