# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry's HTTP API v2, as much as the modules need: whether it accepts a login (``GET /v2/``,
and a Bearer token realm) and what a tag holds (its manifest). Built on ansible.module_utils.urls:
no redirect is followed with credentials, and proxies are used as the environment sets them, except
for loopback registries."""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
import urllib.parse
from typing import Any, Dict, List, Tuple

from ansible.module_utils.urls import ConnectionError as UrlConnectionError
from ansible.module_utils.urls import open_url

from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import is_loopback
from ansible_collections.stowage.ecr.plugins.module_utils.errors import LoginError

MAX_MANIFEST_BYTES = 4 * 1024 * 1024


# every manifest kind a registry may hold under a tag: single images first, then indexes
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)


INDEX_TYPES = MANIFEST_TYPES[2:]


def _request(url: str, auth: str, timeout: float, accept: str = "application/json") -> Tuple[int, Dict[str, str], bytes]:
    """GET ``url`` with Basic ``auth``; (status, headers, body). TLS is verified for https. A redirect is
    answered as it is, never followed (the credentials must not go to another address); a loopback
    registry is never asked through a proxy."""
    headers = {"Authorization": "Basic " + auth, "User-Agent": "stowage.ecr", "Accept": accept}
    use_proxy = not is_loopback(urllib.parse.urlsplit(url).hostname or "")
    try:
        response = open_url(
            url, headers=headers, timeout=timeout, follow_redirects="none", use_proxy=use_proxy, validate_certs=True, use_netrc=False, http_agent="stowage.ecr"
        )
        with response:
            return response.status, dict(response.headers.items()), response.read(MAX_MANIFEST_BYTES)
    except urllib.error.HTTPError as e:
        found = dict(e.headers.items()) if e.headers else {}
        e.close()
        return e.code, found, b""
    except urllib.error.URLError as e:
        raise LoginError("could not reach %s: %s" % (url, getattr(e, "reason", e))) from None
    except (UrlConnectionError, OSError, ValueError, http.client.HTTPException) as e:
        raise LoginError("could not reach %s: %s" % (url, e)) from None


def _get(url: str, auth: str, timeout: float) -> Tuple[int, Dict[str, str]]:
    """GET ``url`` with Basic ``auth``; (status, headers)."""
    status, headers, _body = _request(url, auth, timeout)
    return status, headers


def parse_challenge(header: str) -> Tuple[str, Dict[str, str]]:
    """The scheme and parameters of a WWW-Authenticate header: ('bearer', {'realm': ..., 'service': ...})."""
    scheme, _sep, rest = (header or "").strip().partition(" ")
    params: Dict[str, str] = {}
    text = rest.strip()
    while text:
        name, eq, text = text.partition("=")
        if not eq:
            break
        text = text.lstrip()
        if text.startswith('"'):
            end = 1
            chars: List[str] = []
            while end < len(text) and text[end] != '"':
                if text[end] == "\\" and end + 1 < len(text):
                    end += 1
                chars.append(text[end])
                end += 1
            params[name.strip().lower()] = "".join(chars)
            text = text[end + 1 :]
        else:
            value, _sep, text = text.partition(",")
            params[name.strip().lower()] = value.strip()
            continue
        text = text.lstrip().lstrip(",").lstrip()
    return scheme.lower(), params


def _header(headers: Dict[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def check_login(base_url: str, auth: str, registry: str, timeout: float = 30) -> None:
    """Ask the registry whether it accepts ``auth``; raise LoginError naming the registry and HTTP status when not.

    GET /v2/ with Basic auth: 200 is a yes. A 401 with a Basic challenge is a no. A 401 with a
    Bearer challenge (token auth, as Docker Hub) is followed to the token realm with the same
    Basic auth, whose 200 is a yes. Any other answer is a no.
    """
    url = base_url.rstrip("/") + "/v2/"
    status, headers = _get(url, auth, timeout)
    if status == 200:
        return
    if status == 401:
        scheme, params = parse_challenge(_header(headers, "www-authenticate"))
        if scheme == "bearer" and params.get("realm"):
            realm = params["realm"]
            if urllib.parse.urlsplit(realm).scheme != "https" and not is_loopback(urllib.parse.urlsplit(realm).hostname or ""):
                raise LoginError("registry %s sends logins to token realm %s over plain http; refusing to send the credentials" % (registry, realm))
            query = urllib.parse.urlencode({k: v for k, v in params.items() if k in ("service", "scope")})
            token_url = realm + ("&" if "?" in realm else "?") + query if query else realm
            token_status = _get(token_url, auth, timeout)[0]
            if token_status == 200:
                return
            raise LoginError("registry %s refused the login: its token realm answered HTTP %d" % (registry, token_status))
        raise LoginError("registry %s refused the login: GET %s answered HTTP 401 (%s challenge)" % (registry, url, scheme.capitalize() or "no"))
    raise LoginError("registry %s refused the login: GET %s answered HTTP %d" % (registry, url, status))


def read_tag(base_url: str, repository: str, tag: str, auth: str, registry: str, timeout: float = 30) -> Dict[str, Any]:
    """What ``tag`` holds in the registry (HTTP API v2): its manifest digest and config digest.

    The config digest of a single-image manifest is the local image id of the same image, so
    comparing the two tells whether a push would change the tag. ``exists`` is False on a 404.
    """
    url = "%s/v2/%s/manifests/%s" % (base_url.rstrip("/"), repository, urllib.parse.quote(tag, safe=""))
    status, headers, body = _request(url, auth, timeout, accept=", ".join(MANIFEST_TYPES))
    result: Dict[str, Any] = {"tag": tag, "exists": False, "digest": None, "config_digest": None, "media_type": None}
    if status == 404:
        return result
    if status in (401, 403):
        raise LoginError("registry %s refused to show %s:%s (HTTP %d); log in first (stowage.ecr.ecr_login)" % (registry, repository, tag, status))
    if status != 200:
        raise LoginError("registry %s answered HTTP %d for %s:%s" % (registry, status, repository, tag))
    try:
        manifest = json.loads(body.decode("utf-8"))
    except ValueError:
        raise LoginError("registry %s sent a manifest for %s:%s that is not JSON" % (registry, repository, tag)) from None
    media_type = manifest.get("mediaType") or _header(headers, "content-type").split(";")[0].strip()
    result.update(
        exists=True,
        digest=_header(headers, "docker-content-digest") or "sha256:" + hashlib.sha256(body).hexdigest(),
        media_type=media_type,
        config_digest=None if media_type in INDEX_TYPES else (manifest.get("config") or {}).get("digest"),
    )
    return result
