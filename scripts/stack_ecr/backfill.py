"""Replication backfills: StartReplicationBackfill, ListReplicationBackfills, DescribeReplicationBackfillResults,
StopReplicationBackfill; and DescribeImageReplicationStatus.

What is emulated, as the ECR API Reference (the operations' documentation in botocore's model) and the ECR user
guide's "Replication backfill" page (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html)
describe AWS:

- a backfill is for one destination (region, registryId), which must be a destination of the registry's
  replication rules ("The destination must already be configured in the registry's replication
  configuration"; AWS does not name the error code, InvalidParameterException here, one the operation lists);
- its images are those of the registry's repositories that the rules for that destination select
  (``repositoryFilters`` PREFIX_MATCH; a rule without filters selects every repository) and that the
  destination lacks (by digest);
- one backfill in progress per destination Region (ReplicationBackfillInProgressException), at most 10 in
  progress per registry (LimitExceededException);
- Start answers PREPARING ("A newly started replication backfill is returned with a status of PREPARING");
  Stop takes a backfill that is PREPARING or IN_PROGRESS only (ReplicationBackfillInvalidStatusException),
  an unknown id is ReplicationBackfillNotFoundException; per-image results exist once the backfill has
  ended ("The per-image results are available only after the replication backfill reaches a terminal status").

The stack's simplifications: nothing is in flight. A backfill is IN_PROGRESS for ``seconds`` of
``backfill.json`` beside moto's recording (default 0), then COMPLETE at the next read with every image copied
(no failures); a stop is STOPPED at once and copies nothing. A copy goes into the destination's moto backend
(same account's or another's), into a repository of the same name, created when missing with the
destination's creation template for REPLICATION that matches (its tag mutability and encryption), else ECR's
defaults. Results page by ``maxResults`` (default 100) and ``nextToken``; backfills by ``maxResults`` (default 50).
"""

from __future__ import annotations

import datetime
import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from moto.ecr.models import Image, ecr_backends

from .model import EcrError, now, operation, state

IN_PROGRESS_MAX = 10
RUNNING = ("PREPARING", "IN_PROGRESS")
# AWS documents no status for an image that no replication has copied (pushed before the rule, and no
# backfill since): ReplicationStatus has only IN_PROGRESS, COMPLETE and FAILED. The stack answers FAILED with
# this code, so that a client reads "not at the destination", which a backfill mends.
NOT_REPLICATED = "IMAGE_NOT_REPLICATED"


def _invalid(message: str) -> EcrError:
    return EcrError("InvalidParameterException", message)


def _seconds() -> float:
    recording = os.environ.get("MOTO_RECORDER_FILEPATH")
    if recording:
        path = Path(recording).parent / "backfill.json"
        if path.exists():
            return float(json.loads(path.read_text()).get("seconds", 0))
    return 0.0


def _backfills(backend) -> List[Dict[str, Any]]:
    return state(backend, "replication_backfills", list)


def _selects(rule: dict, repository: str) -> bool:
    filters = rule.get("repositoryFilters") or []
    return not filters or any(repository.startswith(f["filter"]) for f in filters if f["filterType"] == "PREFIX_MATCH")


def _destinations_of(rule: dict) -> List[dict]:
    return [{"region": d["region"], "registryId": d["registryId"]} for d in rule["destinations"]]


def _destinations(backend, repository: Optional[str] = None) -> List[dict]:
    """The destinations of the replication rules (that select ``repository``), in the rules' order, once each."""
    found: List[dict] = []
    for rule in backend.replication_config.get("rules") or []:
        if repository is not None and not _selects(rule, repository):
            continue
        for wanted in _destinations_of(rule):
            if wanted not in found:
                found.append(wanted)
    return found


def _target(destination: dict):
    return ecr_backends[destination["registryId"]][destination["region"]]


def _held(destination: dict, repository: str, digest: str) -> bool:
    found = _target(destination).repositories.get(repository)
    return found is not None and any(i.get_image_digest() == digest for i in found.images)


def _selected(backend, destination: dict) -> List[tuple]:
    """(repository, image) the rules for ``destination`` select and the destination lacks."""
    rules = [r for r in backend.replication_config.get("rules") or [] if destination in _destinations_of(r)]
    return [
        (name, image)
        for name, repository in sorted(backend.repositories.items())
        if any(_selects(rule, name) for rule in rules)
        for image in repository.images
        if not _held(destination, name, image.get_image_digest())
    ]


def _template(target, repository: str) -> dict:
    """The destination's creation template for REPLICATION with the longest prefix of ``repository`` (ROOT last)."""
    templates = state(target, "repository_creation_templates")
    matching = [
        t for p, t in templates.items() if "REPLICATION" in (t.get("appliedFor") or []) and (p in ("ROOT", repository) or repository.startswith(p + "/"))
    ]
    matching.sort(key=lambda t: -1 if t["prefix"] == "ROOT" else len(t["prefix"]))
    return matching[-1] if matching else {}


def _copy(destination: dict, repository: str, image: Image) -> None:
    target = _target(destination)
    if repository not in target.repositories:
        template = _template(target, repository)
        target.create_repository(
            repository_name=repository,
            registry_id=None,
            encryption_config=template.get("encryptionConfiguration") or {"encryptionType": "AES256"},
            image_scan_config=None,
            image_tag_mutability=template.get("imageTagMutability") or "MUTABLE",
            tags=[],
            image_tag_mutability_exclusion_filters=template.get("imageTagMutabilityExclusionFilters"),
        )
    copied = Image(
        destination["registryId"],
        image.image_tag,
        image.image_manifest,
        repository,
        image.image_manifest_media_type,
        image.get_image_digest(),
        destination["registryId"],
    )
    copied.image_tags = list(image.image_tags)
    target.repositories[repository].images.append(copied)


def _advance(backfill: dict) -> dict:
    """The backfill as it stands now: a running one whose time has come copies its images and is COMPLETE."""
    if backfill["status"] in RUNNING and now() >= backfill["doneAt"]:
        results = []
        for repository, image in backfill["images"]:
            if not _held(backfill["destination"], repository, image.get_image_digest()):
                _copy(backfill["destination"], repository, image)
            image_id = {"imageDigest": image.get_image_digest()}
            if image.image_tag:
                image_id["imageTag"] = image.image_tag
            results.append({"repositoryName": repository, "imageId": image_id, "status": "COMPLETE"})
        backfill.update(status="COMPLETE", endedAt=now(), results=results, completed=len(results))
    elif backfill["status"] == "PREPARING":
        backfill["status"] = "IN_PROGRESS"
    return backfill


def _progress(backfill: dict) -> dict:
    total = len(backfill["images"])
    return {"totalReplicationCount": total, "completedReplicationCount": backfill["completed"], "failedReplicationCount": 0, "failureCodes": []}


def _summary(backfill: dict) -> dict:
    found = {k: backfill[k] for k in ("replicationBackfillId", "destination", "status", "startedAt")}
    found["progress"] = _progress(backfill)
    if backfill.get("endedAt"):
        found["endedAt"] = backfill["endedAt"]
    return found


def _page(items: list, params: dict, default: int) -> tuple:
    token = params.get("nextToken")
    if token is not None and not token.isdigit():
        raise _invalid("Invalid parameter at 'nextToken' failed to satisfy constraint: 'The token is not valid'")
    start = int(token or 0)
    size = params.get("maxResults") or default
    rest = str(start + size) if start + size < len(items) else None
    return items[start : start + size], rest


def _registry(params: dict, account: str) -> str:
    return params.get("registryId") or account


def _find(backend, params: dict, account: str) -> dict:
    for backfill in _backfills(backend):
        if backfill["replicationBackfillId"] == params["replicationBackfillId"]:
            return _advance(backfill)
    raise EcrError(
        "ReplicationBackfillNotFoundException",
        "The replication backfill with id '%s' does not exist in the registry with id '%s'" % (params["replicationBackfillId"], _registry(params, account)),
    )


@operation("StartReplicationBackfill")
def start_replication_backfill(backend, params, account, region):
    destination = {"region": params["destination"]["region"], "registryId": params["destination"]["registryId"]}
    if destination not in _destinations(backend):
        raise _invalid(
            "Invalid parameter at 'destination' failed to satisfy constraint: "
            "'The destination %s/%s is not configured in the registry's replication configuration'" % (destination["region"], destination["registryId"])
        )
    running = [_advance(b) for b in _backfills(backend)]
    running = [b for b in running if b["status"] in RUNNING]
    if any(b["destination"]["region"] == destination["region"] for b in running):
        raise EcrError(
            "ReplicationBackfillInProgressException",
            "A replication backfill is already in progress for the destination Region '%s'" % destination["region"],
        )
    if len(running) >= IN_PROGRESS_MAX:
        raise EcrError("LimitExceededException", "The registry has %d replication backfills in progress, the most allowed" % IN_PROGRESS_MAX)
    started = now()
    backfill = {
        "replicationBackfillId": str(uuid.uuid4()),
        "destination": destination,
        "status": "PREPARING",
        "startedAt": started,
        "doneAt": started + datetime.timedelta(seconds=_seconds()),
        "images": _selected(backend, destination),
        "completed": 0,
        "results": [],
    }
    _backfills(backend).append(backfill)
    answer = {k: backfill[k] for k in ("replicationBackfillId", "destination", "status", "startedAt")}
    return dict(answer, registryId=_registry(params, account))


@operation("ListReplicationBackfills")
def list_replication_backfills(backend, params, account, region):
    found = [_summary(_advance(b)) for b in _backfills(backend)]
    page, rest = _page(found, params, 50)
    result = {"registryId": _registry(params, account), "backfills": page}
    if rest:
        result["nextToken"] = rest
    return result


@operation("DescribeReplicationBackfillResults")
def describe_replication_backfill_results(backend, params, account, region):
    backfill = _find(backend, params, account)
    wanted = params.get("resultStatusFilter")
    results = [r for r in backfill["results"] if wanted is None or r["status"] == wanted]
    page, rest = _page(results, params, 100)
    result = dict(_summary(backfill), registryId=_registry(params, account), results=page)
    if rest:
        result["nextToken"] = rest
    return result


@operation("StopReplicationBackfill")
def stop_replication_backfill(backend, params, account, region):
    backfill = _find(backend, params, account)
    if backfill["status"] not in RUNNING:
        raise EcrError(
            "ReplicationBackfillInvalidStatusException",
            "The replication backfill with id '%s' is %s; only a backfill that is PREPARING or IN_PROGRESS can be stopped"
            % (backfill["replicationBackfillId"], backfill["status"]),
        )
    backfill.update(status="STOPPED", endedAt=now())
    answer = {k: backfill[k] for k in ("replicationBackfillId", "destination", "status", "startedAt")}
    return dict(answer, registryId=_registry(params, account))


@operation("DescribeImageReplicationStatus")
def describe_image_replication_status(backend, params, account, region):
    name = params["repositoryName"]
    repository = backend.repositories.get(name)
    if repository is None:
        raise EcrError(
            "RepositoryNotFoundException", "The repository with name '%s' does not exist in the registry with id '%s'" % (name, _registry(params, account))
        )
    wanted = params["imageId"]
    image = next(
        (
            i
            for i in repository.images
            if (wanted.get("imageDigest") in (None, i.get_image_digest())) and (wanted.get("imageTag") is None or wanted["imageTag"] in i.image_tags)
        ),
        None,
    )
    if image is None or not (wanted.get("imageDigest") or wanted.get("imageTag")):
        raise EcrError("ImageNotFoundException", "The image with imageId %s does not exist within the repository with name '%s'" % (json.dumps(wanted), name))
    digest = image.get_image_digest()
    running = [b for b in map(_advance, _backfills(backend)) if b["status"] in RUNNING]
    statuses = []
    for destination in _destinations(backend, name):
        status: Dict[str, Any] = dict(destination)
        if _held(destination, name, digest):
            status["status"] = "COMPLETE"
        elif any(b["destination"] == destination and any(r == name and i is image for r, i in b["images"]) for b in running):
            status["status"] = "IN_PROGRESS"
        else:
            status.update(status="FAILED", failureCode=NOT_REPLICATED)
        statuses.append(status)
    image_id = {"imageDigest": digest}
    if image.image_tag:
        image_id["imageTag"] = wanted.get("imageTag") or image.image_tag
    return {"repositoryName": name, "imageId": image_id, "replicationStatuses": statuses}
