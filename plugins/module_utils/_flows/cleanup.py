# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ecr_image_cleanup: expire or archive the images of the selected repositories that the rules select and nothing
uses. Reads every listing first (the repositories, their images, what ECS and Lambda run), plans
(``_plans.cleanup``), refuses more than ``max_delete`` before any write, then deletes 100 images a call, subjects
before their referrers. A plan written to ``plan_file`` is applied later with ``apply_plan``: each entry's image is
read again and an entry whose image changed since is refused, not evaluated anew.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._aws.usage import UsageApi, place_of
from ansible_collections.stowage.ecr.plugins.module_utils._checks.cleanup import (
    ImageRef,
    check_keep_images,
    check_keep_in_use,
    check_max_delete,
    check_repositories,
    check_rules,
    check_usage_sources,
    delete_limit,
    parse_image_uri,
    select_repositories,
)
from ansible_collections.stowage.ecr.plugins.module_utils._oci.docker_config import write_json_atomic
from ansible_collections.stowage.ecr.plugins.module_utils._plans.cleanup import ARCHIVE, EXPIRE, KEEP, RepositoryPlan, as_lifecycle_policy, plan_repository
from ansible_collections.stowage.ecr.plugins.module_utils._plans.image_record import ImageRecord
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import IMAGE_IDS_MAX, index_children
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, PartialFailure, StowageError

PLAN_FORMAT = 1


# evidence of use ------------------------------------------------------------------------------


def _refs(uri: Any, account: str, region: str, source: str) -> list[tuple[str, ImageRef]]:
    """The image (by tag, and by digest when the URI has one) that ``uri`` names in this registry, if it does."""
    parts = parse_image_uri(uri)
    if parts is None or parts["account"] != account or parts["region"] != region:
        return []
    repository = str(parts["repository"])
    found = []
    if parts["tag"]:
        found.append((repository, ImageRef(repository, tag=parts["tag"], source=source)))
    if parts["digest"]:
        found.append((repository, ImageRef(repository, digest=parts["digest"], source=source)))
    return found


def read_evidence(module: Any, kinds: tuple[str, ...], sources: list[dict[str, Any]], account: str, region: str) -> dict[str, list[ImageRef]]:
    """The images of the registry ``account`` in ``region`` that ECS task definitions, running tasks and Lambda
    functions name, in every usage source, by repository."""
    found: dict[str, list[ImageRef]] = {}
    for source in sources or [{}]:
        usage = UsageApi(module, place_of(module, source.get("region"), source.get("profile"), source.get("assume_role_arn")))
        where = usage.region
        named: list[tuple[str, ImageRef]] = []
        if "ecs_task_definitions" in kinds:
            for definition in usage.task_definitions():
                label = "ECS task definition %s:%s (%s)" % (definition.get("family"), definition.get("revision"), where)
                for container in definition.get("containerDefinitions") or []:
                    named += _refs(container.get("image"), account, region, label)
        if "ecs_tasks" in kinds:
            for task in usage.running_tasks():
                label = "ECS task %s (%s)" % (str(task.get("taskArn", "")).rsplit("/", 1)[-1], where)
                for container in task.get("containers") or []:
                    refs = _refs(container.get("image"), account, region, label)
                    named += refs
                    if container.get("imageDigest") and refs:
                        repository = refs[0][0]
                        named.append((repository, ImageRef(repository, digest=container["imageDigest"], source=label)))
        if "lambda" in kinds:
            for function in usage.image_functions():
                label = "Lambda function %s (%s)" % ((function.get("Configuration") or {}).get("FunctionName"), where)
                code = function.get("Code") or {}
                named += _refs(code.get("ImageUri"), account, region, label) + _refs(code.get("ResolvedImageUri"), account, region, label)
        for repository, ref in named:
            found.setdefault(repository, []).append(ref)
    return found


# plan ----------------------------------------------------------------------------------------


def plan_one(
    ecr: EcrApi, name: str, details: list[dict[str, Any]], rules: Any, refs: list[ImageRef], when: datetime.datetime
) -> tuple[RepositoryPlan, list[dict[str, Any]]]:
    """The plan of one repository, reading the manifests of the image indexes that stay (BatchGetImage, 100 a call)
    until every index that stays has its children known; and the images as listed."""
    records = [ImageRecord.of(d) for d in details]
    children: dict[str, list[str]] = {}
    read: set[str] = set()
    while True:
        plan = plan_repository(name, records, rules, refs, children, when)
        expired = {e["digest"] for e in plan.of(EXPIRE)}
        # an index that goes needs no reading: only the children of an index that stays are kept for it
        wanted = [r.digest for r in records if r.is_index and r.storage_class == "standard" and r.digest not in expired and r.digest not in read]
        if not wanted:
            break
        got, _failures = ecr.batch_get_images(name, wanted)
        read.update(wanted)
        for digest, image in got.items():
            children[digest] = index_children(image.get("imageManifest") or "")
    acting = [e for e in plan.entries if e["action"] != KEEP and e["digest"] in read]
    if acting:
        # reading a manifest may count as a pull: what the plan records of the image is what ECR tells after it
        now, _missing = ecr.describe_image_ids(name, [{"imageDigest": e["digest"]} for e in acting])
        states = {d["imageDigest"]: ImageRecord.of(d).state() for d in now}
        for entry in acting:
            entry["state"] = states.get(entry["digest"], entry["state"])
    return plan, details


def _check_limit(plans: list[RepositoryPlan], limit: tuple[int, bool] | None, result: dict[str, Any]) -> None:
    over = []
    for plan in plans:
        allowed = delete_limit(limit, plan.images)
        expiring = len(plan.of(EXPIRE))
        if allowed is not None and expiring > allowed:
            over.append("%s: %d of %d images (max_delete allows %d)" % (plan.repository, expiring, plan.images, allowed))
    if over:
        raise StowageError(
            "max_delete: the plan expires more images than allowed, so nothing was changed: %s" % "; ".join(over), result=dict(result, changed=False)
        )


def _image_line(image: ImageRecord, action: str | None = None) -> str:
    tags = ",".join(sorted(image.tags)) or "<untagged>"
    line = "%s %s %s" % (image.digest, tags, image.storage_class or image.status.lower())
    return line if action is None else "%s (%s)" % (line, action)


def _diff(listed: dict[str, list[dict[str, Any]]], plans: list[RepositoryPlan]) -> dict[str, Any]:
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    for plan in plans:
        actions = {e["digest"]: e["action"] for e in plan.entries if e["action"] != KEEP}
        records = sorted((ImageRecord.of(d) for d in listed[plan.repository]), key=ImageRecord.newest_first)
        before[plan.repository] = [_image_line(r) for r in records]
        after[plan.repository] = [
            _image_line(r, "archived") if actions.get(r.digest) == ARCHIVE else _image_line(r) for r in records if actions.get(r.digest) != EXPIRE
        ]
    return {"before": before, "after": after}


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "state"}


def cleanup_report(module: Any) -> dict[str, Any]:
    """ecr_image_cleanup's result."""
    params = module.params
    limit = check_max_delete(params["max_delete"])
    if params["apply_plan"] is not None:
        return apply_saved_plan(module, limit)
    if params["rules"] is None or params["repositories"] is None:
        raise InputError("rules and repositories are required unless apply_plan is given")
    repositories = check_repositories(params["repositories"])
    rules = check_rules(params["rules"])
    kinds = check_keep_in_use(params["keep_in_use"])
    sources = check_usage_sources(params["usage_sources"])
    keep = check_keep_images(params["keep_images"])
    plan_file = _check_plan_file(params["plan_file"])
    when = datetime.datetime.now(datetime.timezone.utc)

    ecr = EcrApi(module, params["registry_id"])
    account = params["registry_id"] or ecr.caller_account()
    names = select_repositories(repositories, sorted(r["repositoryName"] for r in ecr.describe_all()))
    evidence = read_evidence(module, kinds, sources, account, ecr.region) if kinds else {}
    for ref in keep:
        evidence.setdefault(ref.repository, []).append(ref)
    done = ecr.parallel(lambda name: plan_one(ecr, name, ecr.describe_images(name), rules, evidence.get(name, []), when), names)
    plans = [plan for plan, _details in done]
    listed = {plan.repository: details for plan, details in done}
    text, sentence = as_lifecycle_policy(rules, bool(kinds) or bool(keep))
    result: dict[str, Any] = {
        "changed": any(e["action"] != KEEP for plan in plans for e in plan.entries),
        "registry_id": account,
        "plan": [_public(e) for plan in plans for e in plan.entries],
        "totals": {plan.repository: plan.totals() for plan in plans},
        "refused": [],
        "as_lifecycle_policy": None if text is None else {"policy_text": text, "note": sentence},
        "diff": _diff(listed, plans),
    }
    _check_limit(plans, limit, result)
    if plan_file:
        document = {"format": PLAN_FORMAT, "registry_id": account, "region": ecr.region, "planned_at": when.isoformat()}
        document["repositories"] = [{"repository": p.repository, "images": p.images, "entries": [e for e in p.entries if e["action"] != KEEP]} for p in plans]
        write_json_atomic(plan_file, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8"), 0o644)
        result["plan_file"] = plan_file
    if not module.check_mode:
        result["batches"] = execute(ecr, [(p.repository, p.entries) for p in plans], result)
    return result


def _check_plan_file(path: Any, option: str = "plan_file") -> str | None:
    if path is None:
        return None
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError("%s: the folder %s does not exist" % (option, folder))
    return str(path)


# writes --------------------------------------------------------------------------------------


def execute(ecr: EcrApi, work: list[tuple[str, list[dict[str, Any]]]], result: dict[str, Any]) -> list[int]:
    """Delete the expired images of each repository, 100 a call in the plan's order (subjects first), then archive
    the archived ones (UpdateImageStorageClass, one image a call: ECR has no batch of it). The sizes of the delete
    calls; PartialFailure with what was done when ECR refuses a call or fails an image."""
    sizes: list[int] = []
    done: list[str] = []
    try:
        for name, entries in work:
            expired = [e["digest"] for e in entries if e["action"] == EXPIRE]
            for start in range(0, len(expired), IMAGE_IDS_MAX):
                batch = expired[start : start + IMAGE_IDS_MAX]
                failures = ecr.batch_delete_images(name, [{"imageDigest": d} for d in batch])
                if failures:
                    raise StowageError("ECR did not delete %d image(s) of %s: %s" % (len(failures), name, failures[0].get("failureReason")))
                sizes.append(len(batch))
                done += batch
            for entry in entries:
                if entry["action"] == ARCHIVE:
                    ecr.update_image_storage_class(name, entry["digest"], "ARCHIVE")
                    done.append(entry["digest"])
    except StowageError as e:
        raise StowageError(str(e), result=dict(result, changed=bool(done), done=done, batches=sizes)) from e
    except AWS_ERRORS as e:
        raise PartialFailure(e, dict(result, changed=bool(done), done=done, batches=sizes)) from e
    return sizes


def apply_saved_plan(module: Any, limit: tuple[int, bool] | None) -> dict[str, Any]:
    """Apply a plan that ``plan_file`` wrote: each entry's image read again (DescribeImages by digest, 100 a call);
    an entry whose image changed since (tags, storage class, a new pull) is refused, and so are the referrers of
    a refused subject and the children of a refused index."""
    path = module.params["apply_plan"]
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError("apply_plan: cannot read the plan %s: %s" % (path, e)) from e
    if not isinstance(document, dict) or document.get("format") != PLAN_FORMAT or not isinstance(document.get("repositories"), list):
        raise InputError("apply_plan: %s is not a plan that ecr_image_cleanup wrote (plan_file)" % path)
    ecr = EcrApi(module, document.get("registry_id"))
    if document.get("region") and document["region"] != ecr.region:
        raise InputError("apply_plan: the plan is for the region %s, the task runs in %s" % (document["region"], ecr.region))
    result: dict[str, Any] = {
        "changed": False,
        "registry_id": document.get("registry_id"),
        "plan": [],
        "totals": {},
        "refused": [],
        "as_lifecycle_policy": None,
    }
    work = []
    plans = []
    for repository in document["repositories"]:
        name, entries = repository["repository"], repository["entries"]
        ok, refused = _still_as_planned(ecr, name, entries)
        result["refused"] += refused
        plan = RepositoryPlan(name, int(repository.get("images") or 0), ok)
        plans.append(plan)
        result["plan"] += [_public(e) for e in ok]
        result["totals"][name] = plan.totals()
        work.append((name, ok))
    _check_limit(plans, limit, result)
    result["changed"] = any(entries for _name, entries in work)
    result["diff"] = {"before": {p.repository: [e["digest"] for e in p.entries] for p in plans}, "after": {p.repository: [] for p in plans}}
    if not module.check_mode:
        result["batches"] = execute(ecr, work, result)
    return result


def _still_as_planned(ecr: EcrApi, name: str, entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        found, _missing = ecr.describe_image_ids(name, [{"imageDigest": e["digest"]} for e in entries]) if entries else ([], [])
    except AWS_ERRORS:
        found = []
    now = {d["imageDigest"]: ImageRecord.of(d) for d in found}
    refused: dict[str, str] = {}
    for entry in entries:
        image = now.get(entry["digest"])
        if image is None:
            refused[entry["digest"]] = "the image is gone"
        elif image.state() != entry["state"]:
            changed = sorted(k for k, v in image.state().items() if entry["state"].get(k) != v)
            refused[entry["digest"]] = "the image changed since the plan (%s)" % ", ".join(changed)
    # the children of a refused index and the referrers of a refused subject stay with it
    indexes = [d for d in refused if d in now and now[d].is_index]
    if indexes:
        got, _failures = ecr.batch_get_images(name, indexes)
        for digest, answer in got.items():
            for child in index_children(answer.get("imageManifest") or ""):
                refused.setdefault(child, "listed by the image index %s, whose entry is refused" % digest)
    grew = True
    while grew:
        grew = False
        for entry in entries:
            subject = entry.get("subject_digest")
            if subject in refused and entry["digest"] not in refused:
                refused[entry["digest"]] = "refers to %s, whose entry is refused" % subject
                grew = True
    ok = [e for e in entries if e["digest"] not in refused]
    return ok, [dict(_public(e), refused=refused[e["digest"]]) for e in entries if e["digest"] in refused]
