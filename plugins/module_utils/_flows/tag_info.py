# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tags of a repository hold in its registry, and what a push of a local image would move
(ecr_image_tag_info): the repository from ECR, the login from the Docker config, the manifests from
the registry."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_image_tags, check_registry_id, check_repository_name
from ansible_collections.stowage.ecr.plugins.module_utils._flows.login import get_tokens
from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import parse_registry_url
from ansible_collections.stowage.ecr.plugins.module_utils._oci.auth import entry_key, hide, registry_base_url
from ansible_collections.stowage.ecr.plugins.module_utils._oci.client import check_login, read_tag
from ansible_collections.stowage.ecr.plugins.module_utils._oci.docker_config import default_config_path, load_json_object, stored_auth
from ansible_collections.stowage.ecr.plugins.module_utils._plans.push import push_plan
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

IMAGE_ID_RE = re.compile(r"sha256:[0-9a-f]{64}")


def tag_report(module: Any) -> dict[str, Any]:
    """The module's result for ``module.params``; raises InputError or LoginError (nothing is written)."""
    params = module.params
    name = params["repository"]
    result: dict[str, Any] = {"changed": False, "registry": None, "image_tag_mutability": None, "tags": [], "to_push": [], "conflicts": []}
    check_repository_name(name, option="repository")
    check_registry_id(params["registry_id"])
    check_image_tags(params["tags"])
    if params["registry_url"]:
        parse_registry_url(params["registry_url"])
    if params["image_id"] is not None and not IMAGE_ID_RE.fullmatch(params["image_id"]):
        raise InputError("image_id: %r is not an image id; give the local id, sha256:<64 hex digits>" % params["image_id"])

    api = EcrApi(module, registry_id=params["registry_id"])
    raw = api.describe(name)
    nothing: list[dict[str, Any]] = [{"tag": tag, "exists": False, "digest": None, "config_digest": None, "media_type": None} for tag in params["tags"]]
    if params.get("auth") == "token":
        held = _read_with_token(module, api, raw, nothing, result)
    elif raw is None:
        if not module.check_mode:
            raise InputError("repository: %s does not exist; create it first (stowage.ecr.ecr_repository)" % name)
        held = nothing
    else:
        result["image_tag_mutability"] = raw.get("imageTagMutability", "MUTABLE")
        proxy = "https://" + raw["repositoryUri"].split("/", 1)[0]
        key = entry_key(proxy, params["registry_url"])
        result["registry"] = key
        config_path = params["config_path"] or default_config_path()
        auth = stored_auth(load_json_object(config_path, "config_path: the Docker client config")[0], key)
        if auth is None:
            if not module.check_mode:
                raise InputError("config_path: %s holds no login for %s; log in first (stowage.ecr.ecr_login)" % (config_path, key))
            module.warn("No login for %s in %s yet; in check mode its tags read as holding nothing." % (key, config_path))
            held = nothing
        else:
            hide(module, auth)
            base = registry_base_url(proxy, params["registry_url"])
            held = api.parallel(lambda tag: read_tag(base, name, tag, auth, key), params["tags"])
    result["tags"] = held
    if params["image_id"]:
        filters = [f.get("filter") for f in (raw or {}).get("imageTagMutabilityExclusionFilters") or []]
        result.update(push_plan(params["image_id"], held, result["image_tag_mutability"] or "MUTABLE", filters))
    return result


def _read_with_token(module: Any, api: EcrApi, raw: dict[str, Any] | None, nothing: list[dict[str, Any]], result: dict[str, Any]) -> list[dict[str, Any]]:
    """What the tags hold, read with a new ECR authorization token that is never stored (auth=token). A repository
    that does not exist yet holds nothing, once the registry has accepted the token: a registry that does not
    answer, or refuses ECR's token, fails the task before anything is written."""
    params = module.params
    item = get_tokens(module, [params["registry_id"]] if params["registry_id"] else None, api)[0]
    token, proxy = item["authorizationToken"], item.get("proxyEndpoint") or ""
    if raw is not None:
        result["image_tag_mutability"] = raw.get("imageTagMutability", "MUTABLE")
        proxy = "https://" + raw["repositoryUri"].split("/", 1)[0]
    key = entry_key(proxy, params["registry_url"])
    base = registry_base_url(proxy, params["registry_url"])
    result["registry"] = key
    if raw is None:
        check_login(base, token, key)
        return nothing
    return api.parallel(lambda tag: read_tag(base, params["repository"], tag, token, key), params["tags"])
