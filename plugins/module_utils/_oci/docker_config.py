# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Docker client config file (and podman's auth.json, same format): where it is, reading it,
merging one login into it, writing it atomically with mode 0600, and the sidecar file that keeps
the expiry of the logins written (docker's config has no field for it)."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from typing import Any, Dict, Mapping, Optional, Tuple

from ansible_collections.stowage.ecr.plugins.module_utils.errors import LoginError

SIDECAR_SUFFIX = ".ecr-login.json"


def default_config_path(environ: Optional[Mapping[str, str]] = None) -> str:
    """Where docker keeps its client config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if env.get("DOCKER_CONFIG"):
        return os.path.join(os.path.expanduser(env["DOCKER_CONFIG"]), "config.json")
    return os.path.join(os.path.expanduser("~"), ".docker", "config.json")


def sidecar_path(config_path: str) -> str:
    """Where the expiry of the logins written to ``config_path`` is kept (docker's config has no field for it)."""
    return config_path + SIDECAR_SUFFIX


def load_json_object(path: str, what: str) -> Tuple[Dict[str, Any], Optional[bytes]]:
    """The JSON object in ``path`` and its raw bytes; ({}, None) when there is no file. The message of a bad file holds no content."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return {}, None
    except OSError as e:
        raise LoginError("%s %s cannot be read: %s" % (what, path, e.strerror)) from None
    if not raw.strip():
        return {}, raw
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeError) as e:
        # json's message names line and column only, never the text
        detail = "%s at line %d column %d" % (e.msg, e.lineno, e.colno) if isinstance(e, json.JSONDecodeError) else "not UTF-8"
        raise LoginError("%s %s is not valid JSON (%s); fix or remove it, nothing was written" % (what, path, detail)) from None
    if not isinstance(data, dict):
        raise LoginError("%s %s holds a JSON %s, not an object; fix or remove it, nothing was written" % (what, path, type(data).__name__))
    return data, raw


def stored_auth(config: Dict[str, Any], key: str) -> Optional[str]:
    """The ``auth`` value stored for ``key`` in a docker config, when there is one."""
    auths = config.get("auths")
    if not isinstance(auths, dict):
        return None
    entry = auths.get(key)
    if not isinstance(entry, dict):
        return None
    auth = entry.get("auth")
    return auth if isinstance(auth, str) and auth else None


def merge_login(config: Dict[str, Any], key: str, auth: str) -> Dict[str, Any]:
    """A copy of ``config`` with the login for ``key``; every other key and entry is kept as it is.

    The entry for ``key`` is replaced whole, as ``docker login`` does: a stale identitytoken or
    registrytoken next to the new auth would make docker use the stale one.
    """
    merged = copy.deepcopy(config)
    auths = merged.get("auths")
    if not isinstance(auths, dict):
        auths = {}
    auths[key] = {"auth": auth}
    merged["auths"] = auths
    return merged


def helper_for(config: Dict[str, Any], key: str) -> Optional[str]:
    """The credential helper docker asks for ``key`` instead of ``auths``, when the config names one."""
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict) and helpers.get(key):
        return "credHelpers[%s]=%s" % (key, helpers[key])
    if config.get("credsStore"):
        return "credsStore=%s" % config["credsStore"]
    return None


def dump_config(config: Dict[str, Any]) -> bytes:
    """JSON text the way docker writes its config: tab indentation, a final newline."""
    return (json.dumps(config, indent="\t") + "\n").encode("utf-8")


def write_json_atomic(path: str, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename.

    A symlinked ``path`` is written through (its target is replaced). The file gets ``mode``;
    when root replaces a file owned by someone else, the owner is kept.
    """
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    owner = None
    try:
        st = os.stat(path)
        owner = (st.st_uid, st.st_gid)
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            if owner and os.geteuid() == 0 and owner != (0, 0):
                os.fchown(f.fileno(), owner[0], owner[1])
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
