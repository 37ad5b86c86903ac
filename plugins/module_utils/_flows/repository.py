# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring one repository, or one lifecycle policy, to the requested state.

Shared by the modules: read, compare, then write only what differs (nothing in check
mode). Input is checked before this is called; anything found wrong here is found before
the first write and raised as InputError.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import (
    lifecycle_want,
    normalise_policy,
    policies_equal,
    policy_text,
    typed_rules,
)
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import (
    MANAGED_KMS_ALIAS,
    check_encryption,
    check_exclusion_filters,
    check_registry_id,
    check_repository_name,
    check_tag_mutability,
    normalise_tags,
    parse_repository_policy,
)
from ansible_collections.stowage.ecr.plugins.module_utils._flows.preview import (
    check_max_expiring,
    check_preview_options,
    local_preview,
    preview_diff,
    preview_report,
)
from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import evaluate
from ansible_collections.stowage.ecr.plugins.module_utils._plans.repository import (
    encryption_conflict,
    plan_create,
    plan_update,
)
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import repository_scanning_view, repository_view, settings_view, tags_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError


def read_repository(api: EcrApi, raw: dict[str, Any], tags: bool = True, policy: bool = True, lifecycle: bool = False) -> dict[str, Any]:
    """The view of a repository (a DescribeRepositories entry) with the aspects asked for read; the others
    are left out of it. The follow-up calls name the repository's own registry (``registryId``), which a listing
    without ``registry_id`` may not share with ``api``."""
    api = api.for_registry(raw.get("registryId"))
    view = repository_view(
        raw,
        tags=tags_view(api.tags(raw["repositoryArn"])) if tags else None,
        policy=api.repository_policy(raw["repositoryName"]) if policy else None,
    )
    if not tags:
        del view["tags"]
    if not policy:
        del view["policy"]
    if lifecycle:
        view["lifecycle_policy"] = api.lifecycle_policy(raw["repositoryName"])
    return view


def repository_want(params: dict[str, Any], where: str = "") -> dict[str, Any]:
    """A repository's requested settings, checked and normalised; raises InputError before any call.

    ``where`` prefixes the messages (``repositories[team/app]: ``) when the settings are one
    item of a list.
    """
    try:
        check_repository_name(params["name"])
        check_registry_id(params.get("registry_id"))
        want = dict(params)
        if params.get("state", "present") == "absent":
            return want
        check_exclusion_filters(params.get("image_tag_mutability_exclusion_filters"))
        check_tag_mutability(params.get("image_tag_mutability"), params.get("image_tag_mutability_exclusion_filters"))
        check_encryption(params.get("encryption_type"), params.get("kms_key"))
        want["tags"] = normalise_tags(params.get("tags"))
        want["policy"] = parse_repository_policy(params.get("policy"))
        if want["policy"] is not None and params.get("purge_policy"):
            raise InputError("policy, purge_policy: give a policy to set, or purge_policy: true to delete it, not both")
    except InputError as e:
        raise InputError(where + str(e)) from None
    return want


# converge_repository's ``raw`` when the caller has not described the repository
UNREAD: Any = object()


def converge_repository(api: EcrApi, want: dict[str, Any], check_mode: bool, raw: Any = UNREAD, read_unmanaged: bool = True) -> dict[str, Any]:
    """Converge one repository; ``want`` holds the module's options (None: leave as is).

    ``raw`` is the repository's DescribeRepositories entry (None: there is none) when the caller has
    described it already, as ecr_repositories does 100 repositories to a call. With ``read_unmanaged``
    false, tags and the repository policy are only read when ``want`` manages them, and left out of
    the result otherwise.

    Returns changed, created (this run created the repository, or would in check mode), before and after
    (the repository's snake_case view).
    """
    name = want["name"]
    if raw is UNREAD:
        raw = api.describe(name)
    aspects = {
        "tags": read_unmanaged or want.get("tags") is not None,
        "policy": read_unmanaged or want.get("policy") is not None or bool(want.get("purge_policy")),
    }
    if want.get("state", "present") == "absent":
        return dict(_remove(api, want, raw, check_mode), created=False)
    if raw is None:
        created = _create(api, want, check_mode)
        if created is not None:
            after = created if check_mode else read_repository(api, created, **aspects)
            return {"changed": True, "created": True, "before": {}, "after": after}
        # created meanwhile by another run: converge it like any existing one
        raw = api.describe(name)
        if raw is None:
            raise InputError("name: repository %s was reported to exist, then not found; run the task again" % name)

    current = read_repository(api, raw, **aspects)
    conflict = encryption_conflict(current, want, resolve=api.resolve_kms_key)
    if conflict:
        raise InputError(
            "encryption_type/kms_key: repository %s cannot be re-encrypted in place (%s). ECR sets encryption only when it "
            "creates a repository, so this would mean deleting and re-creating it, with its images. Nothing was changed. "
            "Leave encryption_type and kms_key out, or state what the repository has." % (name, conflict)
        )
    changes, after = plan_update(current, want)
    if not changes:
        return {"changed": False, "created": False, "before": current, "after": current}
    if check_mode:
        return {"changed": True, "created": False, "before": current, "after": after}
    for change in changes:
        api.apply(name, current["arn"], change)
    fresh = api.describe(name) or raw
    return {"changed": True, "created": False, "before": current, "after": read_repository(api, fresh, **aspects)}


def _create(api: EcrApi, want: dict[str, Any], check_mode: bool) -> dict[str, Any] | None:
    """Create the repository (its policy too, or nothing): its DescribeRepositories entry, or in check mode
    its view as it would be; None when another run created it meanwhile."""
    name = want["name"]
    if want.get("kms_key") and want["kms_key"] != MANAGED_KMS_ALIAS:
        api.resolve_kms_key(want["kms_key"])  # an unknown key fails here, before the create
    create, after = plan_create(want)
    if check_mode:
        after.update(api.predicted_location(name))
        return after
    raw = api.create(create)
    if raw is None:
        return None
    if want.get("policy") is not None:
        try:
            api.apply(name, raw["repositoryArn"], ("policy", want["policy"]))
        except AWS_ERRORS:
            # leave nothing half-made: the new repository is empty, take it away again
            api.delete(name)
            raise
    return raw


def _remove(api: EcrApi, want: dict[str, Any], raw: dict[str, Any] | None, check_mode: bool) -> dict[str, Any]:
    name = want["name"]
    if raw is None:
        return {"changed": False, "before": {}, "after": {}}
    current = read_repository(api, raw)
    force = bool(want.get("force_delete"))
    not_empty = InputError(
        "force_delete: repository %s holds images, and deleting it would delete them too. Nothing was deleted. "
        "Set force_delete: true to delete the repository with its images." % name
    )
    if not force and api.has_images(name):
        raise not_empty
    if not check_mode:
        try:
            deleted = api.delete(name, force=force)
        except is_boto3_error_code("RepositoryNotEmptyException"):
            raise not_empty from None
        if not deleted:
            return {"changed": False, "before": {}, "after": {}}
    return {"changed": True, "before": current, "after": {}}


def guard_lifecycle(api: EcrApi, repository: str, desired: dict[str, Any] | None, max_expiring: int | None) -> tuple[Any, dict[str, Any] | None]:
    """Before anything of a repository is written: the preview of ``desired`` when putting it would change the
    live policy, refused (InputError) when it expires more than ``max_expiring`` images now.

    Returns the live policy as read (UNREAD when it was not) and the preview (None when there is no limit, no
    policy to put, no repository yet, or no change), for converge_lifecycle not to read them again."""
    if max_expiring is None or desired is None:
        return UNREAD, None
    try:
        live = api.lifecycle_policy(repository)
    except is_boto3_error_code("RepositoryNotFoundException"):
        return UNREAD, None
    if live is not None and policies_equal(live, desired):
        return live, None
    looked = local_preview(api, repository, desired)
    check_max_expiring(looked, max_expiring, repository)
    return live, looked


def converge_lifecycle(
    api: EcrApi,
    repository: str,
    desired: dict[str, Any] | None,
    check_mode: bool,
    preview: bool = False,
    max_expiring: int | None = None,
    known_preview: dict[str, Any] | None = None,
    live: Any = UNREAD,
) -> dict[str, Any]:
    """Put (``desired``, a validated policy) or delete (``desired`` None) a lifecycle policy.

    With ``preview`` (or a ``max_expiring`` guard), the images ``desired`` acts on right away are evaluated
    first (``preview.local_preview``) and returned as ``preview``; a put that would expire more than
    ``max_expiring`` images is refused (InputError) before it is made.

    ``known_preview`` and ``live`` are what guard_lifecycle read already (``live`` UNREAD: not read yet).

    Returns changed, before, after (canonical policies, None for none), repository_exists and, when asked,
    preview.
    """
    looked: dict[str, Any] = {}
    if known_preview is not None:
        looked["preview"] = known_preview
    elif desired is not None and (preview or max_expiring is not None):
        try:
            looked["preview"] = local_preview(api, repository, desired)
        except is_boto3_error_code("RepositoryNotFoundException"):
            looked["preview"] = evaluate(desired, [])
            looked["preview"]["source"] = "local"
    result = _converge_lifecycle(api, repository, desired, check_mode, looked.get("preview"), max_expiring, live)
    result.update(looked)
    return result


def _converge_lifecycle(
    api: EcrApi, repository: str, desired: dict[str, Any] | None, check_mode: bool, looked: dict[str, Any] | None, max_expiring: int | None, live: Any
) -> dict[str, Any]:
    try:
        if live is UNREAD:
            live = api.lifecycle_policy(repository)
    except is_boto3_error_code("RepositoryNotFoundException"):
        if desired is not None and check_mode:
            # in check mode the repository may be one the same play would create first
            return {"changed": True, "before": None, "after": normalise_policy(desired), "repository_exists": False}
        if desired is None:
            return {"changed": False, "before": None, "after": None, "repository_exists": False}
        raise InputError(
            "repository: %s does not exist%s; create it first (stowage.ecr.ecr_repository), then put its lifecycle policy"
            % (repository, " in registry %s" % api.registry_id if api.registry_id else "")
        ) from None
    before = normalise_policy(live) if live is not None else None
    if desired is None:
        if live is None:
            return {"changed": False, "before": None, "after": None, "repository_exists": True}
        if not check_mode:
            api.delete_lifecycle_policy(repository)
        return {"changed": True, "before": before, "after": None, "repository_exists": True}
    if live is not None and policies_equal(live, desired):
        return {"changed": False, "before": before, "after": before, "repository_exists": True}
    after = normalise_policy(desired)
    if looked is not None:
        check_max_expiring(looked, max_expiring, repository)
    if not check_mode:
        api.put_lifecycle_policy(repository, policy_text(desired))
    return {"changed": True, "before": before, "after": after, "repository_exists": True}


# the modules' results ---------------------------------------------------------------------------------


def repository_report(module: Any) -> dict[str, Any]:
    """ecr_repository's result (its ``diff`` for diff mode)."""
    want = repository_want(module.params)
    api = EcrApi(module, registry_id=module.params["registry_id"])
    result = converge_repository(api, want, module.check_mode)
    return {
        "changed": result["changed"],
        "created": result["created"],
        "repository": result["after"],
        "diff": {"before": result["before"], "after": result["after"]},
    }


def _read_listed(api: EcrApi, raw: dict[str, Any], listed: bool) -> dict[str, Any] | None:
    try:
        return read_repository(api, raw, lifecycle=True)
    except is_boto3_error_code("RepositoryNotFoundException"):
        if not listed:
            raise
        return None


def _scanning_configurations(api: EcrApi, repositories: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The scanning configurations of the repositories of the caller's own registry (ECR reads no other's): all of
    them when the task names no registry_id, else only when registry_id is the caller's account (STS)."""
    if not repositories or (api.registry_id and api.registry_id != api.caller_account()):
        return {}
    own = [repo["name"] for repo in repositories if not api.registry_id or repo["registry_id"] == api.registry_id]
    return api.scanning_configurations(own)


def repositories_report(module: Any) -> dict[str, Any]:
    """ecr_repository_info's result: the repositories named, or every one (matching ``name_pattern``)."""
    names = module.params["names"]
    pattern = module.params["name_pattern"]
    check_registry_id(module.params["registry_id"])
    for name in names or []:
        check_repository_name(name, option="names")
    api = EcrApi(module, registry_id=module.params["registry_id"])
    if names is not None:
        raws = list(api.describe_many(names).values())
    else:
        raws = api.describe_all()
        if pattern:
            raws = [raw for raw in raws if fnmatch.fnmatchcase(raw["repositoryName"], pattern)]
    # a listed repository deleted before it was read is left out, as a later listing would
    repositories = [repo for repo in api.parallel(lambda raw: _read_listed(api, raw, listed=names is None), raws) if repo]
    scanning = _scanning_configurations(api, repositories)
    for repository in repositories:
        repository["settings"] = settings_view(repository, typed_rules(repository["lifecycle_policy"]))
        repository["scanning_configuration"] = repository_scanning_view(scanning.get(repository["name"]))
    return {"changed": False, "repositories": sorted(repositories, key=lambda repo: repo["name"])}


def desired_policy(params: dict[str, Any]) -> dict[str, Any] | None:
    """ecr_lifecycle_policy's policy to put (None with state=absent); raises before any call when it is not valid."""
    check_repository_name(params["repository"], option="repository")
    check_registry_id(params["registry_id"])
    if params["state"] == "absent":
        given = [option for option in ("policy", "rules") if params[option] is not None]
        if given:
            raise InputError(
                "%s: state absent deletes the lifecycle policy, and does not take %s; leave %s out to delete it, "
                "or use state present to put it" % (", ".join(given), " or ".join(given), " and ".join(given))
            )
        return None
    check_preview_options(params["max_expiring"])
    return lifecycle_want(params["rules"], params["policy"])


def lifecycle_policy_report(module: Any) -> dict[str, Any]:
    """ecr_lifecycle_policy's result (its ``diff`` for diff mode)."""
    name = module.params["repository"]
    desired = desired_policy(module.params)
    api = EcrApi(module, registry_id=module.params["registry_id"])
    result = converge_lifecycle(api, name, desired, module.check_mode, preview=module.params["preview"], max_expiring=module.params["max_expiring"])
    output = {"changed": result["changed"], "policy": result["after"], "repository_name": name, "repository": name}
    if not result["repository_exists"] and result["changed"]:
        module.warn("Repository %s does not exist yet; in a real run it must exist before its lifecycle policy is put." % name)
    if "preview" in result:
        output["preview"] = result["preview"]
    output["diff"] = {"before": result["before"] or {}, "after": result["after"] or {}}
    if "preview" in result and result["changed"]:
        output["diff"] = [output["diff"], preview_diff(name, result["preview"])]
    return output


def lifecycle_preview_report(module: Any) -> dict[str, Any]:
    """ecr_lifecycle_preview's result: the policy given, or the live one, evaluated on the repository's images."""
    params = module.params
    desired = None
    if params["rules"] is not None or params["policy"] is not None:
        desired = lifecycle_want(params["rules"], params["policy"])
    return dict(changed=False, **preview_report(lambda: EcrApi(module, registry_id=params["registry_id"]), params, desired))
