# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A registry login (ecr_login): the task's checks, ECR's tokens, the keep-or-renew plan for each
registry with the registry's own verdict, and the write of the Docker config. Never ends the module:
errors are raised (InputError, LoginError, LookupFailed) for the module to report.

Secrets: every token and password is added to ``module.no_log_values`` as soon as it is known, and
none is put into a message, a result or a diff."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any, Iterator

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_registry_id
from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import parse_registry_url
from ansible_collections.stowage.ecr.plugins.module_utils._oci.auth import decode_auth, entry_key, fingerprint, hide, iso, registry_base_url, registry_id_of
from ansible_collections.stowage.ecr.plugins.module_utils._oci.client import check_login
from ansible_collections.stowage.ecr.plugins.module_utils._oci.docker_config import (
    default_config_path,
    dump_config,
    helper_for,
    load_json_object,
    merge_login,
    sidecar_path,
    stored_auth,
    write_json_atomic,
)
from ansible_collections.stowage.ecr.plugins.module_utils._plans.login import decide, login_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, LoginError, LookupFailed

REGISTRY_IDS_MAX = 10
# shorter strings are not added to no_log_values: masking them would garble unrelated output
MIN_MASKED = 8


def check_params(params: dict[str, Any]) -> None:
    """Checks of the task's options, before any call; raises InputError."""
    ids = params["registry_ids"]
    if ids is not None:
        if not 1 <= len(ids) <= REGISTRY_IDS_MAX:
            raise InputError("registry_ids: give 1 to %d registry ids, got %d" % (REGISTRY_IDS_MAX, len(ids)))
        for registry_id in ids:
            check_registry_id(registry_id, option="registry_ids")
        if len(set(ids)) != len(ids):
            raise InputError("registry_ids: the same registry id is listed twice")
    if params["registry_url"] is not None:
        parse_registry_url(params["registry_url"])
        if ids is not None and len(ids) > 1:
            raise InputError("registry_url: one address serves one registry; give a single id in registry_ids, got %d" % len(ids))
    if params["min_validity"] < 0:
        raise InputError("min_validity: %d is negative; give the seconds (0 or more) a kept login must still be valid" % params["min_validity"])
    if params["timeout"] <= 0:
        raise InputError("timeout: give a number of seconds above 0, got %d" % params["timeout"])


def get_tokens(module: Any, registry_ids: list[str] | None, api: EcrApi | None = None) -> list[dict[str, Any]]:
    """The authorizationData of GetAuthorizationToken (through ``api`` when given, so that a module makes one
    client); every secret is registered with no_log_values first."""
    api = api or EcrApi(module)
    try:
        data = api.authorization_data(registry_ids)
    except AWS_ERRORS as e:
        raise LookupFailed("ECR GetAuthorizationToken failed for registries %s" % (", ".join(registry_ids) if registry_ids else "of the caller"), e) from e
    for item in data:
        token = item.get("authorizationToken") or ""
        hide(module, token)
        decoded = decode_auth(token)
        if decoded is None:
            raise LoginError("ECR returned an authorization token for %s that is not user:password in base64" % item.get("proxyEndpoint"))
        hide(module, decoded[1])
    return list(data)


def plan(module: Any, config: dict[str, Any], known_logins: dict[str, Any], data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each registry: the key, whether to write, the view for diff and result. Checks the login that will be stored."""
    params = module.params
    now = datetime.datetime.now(datetime.timezone.utc)
    planned: list[dict[str, Any]] = []
    for item in data:
        token = item["authorizationToken"]
        proxy = item.get("proxyEndpoint") or ""
        key = entry_key(proxy, params["registry_url"])
        base = registry_base_url(proxy, params["registry_url"])
        stored = stored_auth(config, key)
        if stored:
            # belt and braces: the stored login is never put into the output either
            old = decode_auth(stored)
            for secret in (stored, old[1] if old else None):
                if secret and len(secret) >= MIN_MASKED:
                    hide(module, secret)
        known = known_logins.get(key) if isinstance(known_logins.get(key), dict) else None

        def stored_accepted(base: str = base, stored: Any = stored, key: str = key) -> bool:
            try:
                check_login(base, stored, key, params["timeout"])
            except LoginError:
                return False
            return True

        write, reason = decide(stored, token, known, now, params["min_validity"], stored_accepted)
        keep_stored = not write and stored != token
        if not keep_stored:
            # the login that will be stored is the fresh token: the registry must accept it
            check_login(base, token, key, params["timeout"])
        expires_at = (known or {}).get("expires_at") if keep_stored else iso(item.get("expiresAt"))
        username = (decode_auth(token) or ("", ""))[0]  # get_tokens checked every token
        planned.append(
            {
                "key": key,
                "token": token,
                "write": write,
                "reason": reason,
                "before": login_view(key, stored, known),
                "after": {"username": username, "expires_at": expires_at},
                "result": {
                    "registry": key,
                    "registry_id": registry_id_of(proxy),
                    "username": username,
                    "expires_at": expires_at,
                    "changed": write,
                    "reason": reason,
                },
            }
        )
        helper = helper_for(config, key)
        if helper:
            module.warn("%s names %s: docker asks that credential helper for %s, not the auths entry this task manages" % (params["config_path"], helper, key))
    return planned


def store(config_path: str, config: dict[str, Any], known_logins: dict[str, Any], planned: list[dict[str, Any]]) -> None:
    """Write the config (and the expiry sidecar) with the planned logins, atomically; LoginError when it cannot."""
    merged = config
    logins = dict(known_logins)
    for entry in planned:
        if not entry["write"]:
            continue
        merged = merge_login(merged, entry["key"], entry["token"])
        logins[entry["key"]] = {
            "username": entry["after"]["username"],
            "expires_at": entry["after"]["expires_at"],
            "fingerprint": fingerprint(entry["token"]),
        }
    try:
        write_json_atomic(config_path, dump_config(merged))
        write_json_atomic(sidecar_path(config_path), dump_config({"logins": logins}))
    except OSError as e:
        raise LoginError("config_path: could not write %s: %s" % (e.filename or config_path, e.strerror or e)) from None


@contextlib.contextmanager
def _with_result(**result: Any) -> Iterator[None]:
    """A refusal of the Docker config or of the registry inside fails with ``result`` (the config's path)."""
    try:
        yield
    except (InputError, LoginError) as e:
        e.result.update(result)
        raise


def login_report(module: Any) -> dict[str, Any]:
    """ecr_login's result (its ``diff`` for diff mode): the logins ECR gives, each stored in the Docker
    client config unless the one there is kept."""
    params = module.params
    check_params(params)
    config_path = params["config_path"] or default_config_path()
    params["config_path"] = config_path
    with _with_result(config_path=config_path):
        # a config docker could not read either fails here, before any call
        config = load_json_object(config_path, "config_path: the Docker client config")[0]
        try:
            sidecar = load_json_object(sidecar_path(config_path), "the login expiry file")[0]
        except LoginError:
            sidecar = {}  # only a cache: a broken one means "expiry unknown"
        known_logins: dict[str, Any] = sidecar["logins"] if isinstance(sidecar.get("logins"), dict) else {}
        data = get_tokens(module, params["registry_ids"])
    if not data:
        raise LoginError("ECR GetAuthorizationToken returned no authorization data")
    with _with_result(config_path=config_path):
        planned = plan(module, config, known_logins, data)
        changed = any(entry["write"] for entry in planned)
        if changed and not module.check_mode:
            store(config_path, config, known_logins, planned)
    first = planned[0]["result"]
    before = {e["key"]: e["before"] for e in planned if e["before"] is not None}
    after = {e["key"]: (e["after"] if e["write"] else e["before"]) for e in planned}
    return {
        "changed": changed,
        "registry": first["registry"],
        "username": first["username"],
        "expires_at": first["expires_at"],
        "config_path": config_path,
        "registries": [entry["result"] for entry in planned],
        "diff": {"before_header": config_path, "after_header": config_path, "before": {"auths": before}, "after": {"auths": after}},
    }
