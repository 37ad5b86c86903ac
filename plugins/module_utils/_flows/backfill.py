# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ecr_replication_backfill: start (or stop) the replication backfills of the registry's destinations.

ECR replicates only what is pushed after a replication rule exists; a backfill (ECR user guide, "Replication
backfill", https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html) copies the images
the rules select that were there before. A destination needs one when an image of a repository its rules
select is not COMPLETE there (DescribeImageReplicationStatus), and has none running (ListReplicationBackfills:
ECR runs one a destination Region at a time).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import client_as, poll
from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.backfill import (
    RUNNING,
    STOPPABLE,
    backfill_destinations,
    check_wait_timeout,
    destinations_of_repository,
    destinations_want,
)
from ansible_collections.stowage.ecr.plugins.module_utils._flows.copy import copy_into, destination_tags
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import INDEX_MEDIA_TYPES
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import backfill_results_counts, backfill_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, PartialFailure, StowageError

Destination = dict[str, str]


def _key(destination: Destination) -> tuple[str, str]:
    return destination["region"], destination["registryId"]


def _latest(backfills: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each destination's most recent backfill (the one started last)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for backfill in sorted(backfills, key=lambda b: b["startedAt"]):
        latest[_key(backfill["destination"])] = backfill
    return latest


# an image's repository, digest and tags
Image = tuple[str, str, list[str]]
# blobs copied at a time by method copy (ecr_image_copy's max_concurrency default)
COPY_WORKERS = 4


def not_replicated(ecr: EcrApi, rules: list[dict[str, Any]], destinations: list[Destination]) -> dict[tuple[str, str], list[Image]]:
    """The images of the repositories the rules select for each destination that are not COMPLETE there, from
    DescribeImageReplicationStatus of every active image of those repositories (listed and read concurrently)."""
    missing: dict[tuple[str, str], list[Image]] = {_key(d): [] for d in destinations}
    names = [repository["repositoryName"] for repository in ecr.describe_all()]
    selected = [(name, destinations_of_repository(rules, name, destinations)) for name in names]

    def listed(item: tuple[str, list[Destination]]) -> list[tuple[Image, list[Destination]]]:
        name, targets = item
        # indexes first, then the other tagged images, then the untagged ones: what goes with an image after it
        details = ecr.describe_images(name, image_status="ACTIVE")
        details.sort(key=lambda d: (not d.get("imageTags"), d.get("imageManifestMediaType") not in INDEX_MEDIA_TYPES))
        return [((name, detail["imageDigest"], list(detail.get("imageTags") or [])), targets) for detail in details]

    # the selected repositories' images are listed concurrently too, as their statuses are read
    images = [image for found in ecr.parallel(listed, [item for item in selected if item[1]]) for image in found]

    def read(item: tuple[Image, list[Destination]]) -> list[tuple[str, str]]:
        (name, digest, _tags), targets = item
        answer = ecr.image_replication_status(name, digest)
        if answer is None:  # deleted meanwhile: nothing to replicate
            return []
        complete = {_key(s) for s in answer.get("replicationStatuses") or [] if s.get("status") == "COMPLETE" and s.get("region") and s.get("registryId")}
        return [_key(d) for d in targets if _key(d) not in complete]

    for (image, _targets), keys in zip(images, ecr.parallel(read, images)):
        for key in keys:
            missing[key].append(image)
    return missing


def _shown(destination: Destination, name: str, digest: str) -> str:
    return "%s/%s: %s@%s" % (destination["region"], destination["registryId"], name, digest)


def copy_missing(module: Any, destinations: list[Destination], missing: dict[tuple[str, str], list[Image]], result: dict[str, Any]) -> list[str]:
    """Method copy: each image in ``missing`` copied to its destination with ecr_image_copy's engine (blobs and
    manifests the destination lacks, the image's tags, its referrers), in the repository of the same name, which
    must exist there. Every destination is read and checked before the first write (InputError naming the
    option); out of check mode the copies are made one image after another. ``result`` gains ``copies`` (the
    images copied, or that would be); returns those images as the diff shows them."""
    source = EcrApi(module, workers=COPY_WORKERS)
    planned = []
    for destination in destinations:
        images = missing[_key(destination)]
        if not images:
            continue
        client = client_as(module, "ecr", region=destination["region"])
        dest = EcrApi(module, registry_id=destination["registryId"], workers=COPY_WORKERS, aws_client=client)
        for name, digest, tags in images:
            try:
                tag_plan, tags_before = destination_tags(dest, name, digest, tags)
            except InputError as e:
                raise InputError("method: copy to %s/%s refused, nothing was copied: %s" % (destination["region"], destination["registryId"], e)) from None
            planned.append((destination, dest, name, digest, tags, tag_plan, tags_before))
    copies: list[dict[str, Any]] = []
    # an index's images and an image's referrers go with it: listed again on their own, untagged, they are done
    covered: set[tuple[str, str, str, str]] = set()
    for destination, dest, name, digest, tags, tag_plan, tags_before in planned:
        if not tags and _key(destination) + (name, digest) in covered:
            continue
        one: dict[str, Any] = {"changed": False, "digest": digest, "tags": tags, "referrers": [], "restored": False}
        try:
            copy_into(module, source, dest, name, name, one, tag_plan, tags_before, True)
        except AWS_ERRORS + (StowageError,) as e:
            if not copies and not isinstance(e, PartialFailure):
                raise
            done = dict(result, changed=True, copies=copies)
            raise PartialFailure(e, done) from e
        covered.update(_key(destination) + (name, d) for d in one["diff"]["after"]["manifests"])
        if one["changed"]:
            entry = {"region": destination["region"], "registry_id": destination["registryId"], "repository": name, "digest": digest, "tags": tags}
            copies.append(dict(entry, copied=one["copied"]))
    result["copies"] = copies
    result["changed"] = bool(copies)
    return sorted(_shown({"region": c["region"], "registryId": c["registry_id"]}, c["repository"], c["digest"]) for c in copies)


def _views(destinations: list[Destination], backfills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest = _latest(backfills)
    return [backfill_view(d, latest.get(_key(d))) for d in destinations]


def backfill_report(module: Any, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """ecr_replication_backfill's result (``sleep`` and ``clock`` time the wait)."""
    params = module.params
    wanted = destinations_want(params["destinations"])
    if params["wait"]:
        check_wait_timeout(params["wait_timeout"])
    api = RegistryApi(module)
    registry = api.describe_registry()
    rules = registry["replicationConfiguration"]["rules"]
    destinations = backfill_destinations(wanted, rules, str(registry["registryId"]))
    live = api.replication_backfills()
    running = {_key(b["destination"]): b for b in live if b["status"] in RUNNING}
    result: dict[str, Any] = {"changed": False, "registry_id": registry["registryId"], "started": [], "stopped": []}

    copying = params["state"] == "started" and params["method"] == "copy"
    if params["state"] == "started":
        missing = None
        images: dict[tuple[str, str], list[Image]] = {}
        if params["missing_only"] or copying:
            images = not_replicated(EcrApi(module), rules, destinations)
            missing = {key: len(found) for key, found in images.items()}
            result["missing"] = [{"region": d["region"], "registry_id": d["registryId"], "images": missing[_key(d)]} for d in destinations]
        if copying:
            lacking = copy_missing(module, destinations, images, result)
            views = _views(destinations, live)
            # the images the destinations lacked; in check mode too, the after is what the copies would leave
            result["diff"] = {"before": {"backfills": views, "images": lacking}, "after": {"backfills": views, "images": []}}
            result["backfills"] = views
            return result
        # ECR runs one backfill a destination Region at a time (StartReplicationBackfill's
        # ReplicationBackfillInProgressException), whichever registry it replicates to there
        busy = {region for region, _registry in running}
        chosen = [d for d in destinations if d["region"] not in busy and (missing is None or missing[_key(d)] > 0)]
    else:
        chosen = [d for d in destinations if _key(d) in running and running[_key(d)]["status"] in STOPPABLE]
    result["changed"] = bool(chosen)
    done: list[dict[str, Any]] = []
    if not module.check_mode:
        try:
            for destination in chosen:
                if params["state"] == "started":
                    done.append(api.start_replication_backfill(destination))
                else:
                    answer = api.stop_replication_backfill(running[_key(destination)]["replicationBackfillId"])
                    if answer is not None:
                        done.append(answer)
        except AWS_ERRORS as e:
            raise PartialFailure(e, dict(result, changed=bool(done), **{params["state"]: [backfill_view(b["destination"], b) for b in done]})) from e
        result["changed"] = bool(done)
    key = "started" if params["state"] == "started" else "stopped"
    result[key] = [backfill_view(b["destination"], b) for b in done] if not module.check_mode else [backfill_view(d, running.get(_key(d))) for d in chosen]

    after = api.replication_backfills() if done or params["wait"] else live
    if params["wait"] and not module.check_mode:
        after = _wait(api, destinations, after, params["wait_timeout"], result, sleep, clock)
    # the diff compares the backfills as ECR lists them; the counts of their results are the wait's report
    result["diff"] = {"before": {"backfills": _views(destinations, live)}, "after": {"backfills": _views(destinations, after)}}
    result["backfills"] = _views(destinations, after)
    if params["wait"] and not module.check_mode:
        for view in result["backfills"]:
            if view["id"] and view["status"] not in RUNNING:
                view["results"] = backfill_results_counts(api.replication_backfill_results(view["id"]))
    return result


def _wait(
    api: RegistryApi,
    destinations: list[Destination],
    answer: list[dict[str, Any]],
    timeout: int,
    result: dict[str, Any],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> list[dict[str, Any]]:
    """ListReplicationBackfills again, with backoff, until no backfill of ``destinations`` is running; fails with
    the result so far when ``timeout`` seconds are spent first."""
    keys = {_key(d) for d in destinations}

    def settled(backfills: list[dict[str, Any]]) -> bool:
        return not any(b["status"] in RUNNING and _key(b["destination"]) in keys for b in backfills)

    last = poll(lambda _previous: api.replication_backfills(), settled, timeout, answer=answer, sleep=sleep, clock=clock)
    if not settled(last):
        result["backfills"] = _views(destinations, last)
        raise StowageError("replication backfills still running after wait_timeout (%d seconds)" % timeout, result=result)
    return list(last)
