# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECR's authorization tokens and where docker keeps a login: the ``auths`` key of a registry, the
base URL asked, the registry id of a proxy endpoint; decoding a token. Pure functions.

Secrets: the token and password are never put into an exception message, a return value or a
diff. Callers hand them to ``module.no_log_values`` as well."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import urllib.parse
from typing import Any, Optional, Tuple

from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import parse_registry_url
from ansible_collections.stowage.ecr.plugins.module_utils.errors import LoginError


def entry_key(proxy_endpoint: str, registry_url: Optional[str] = None) -> str:
    """The ``auths`` key docker looks the login up under: the override's host[:port], else the proxy endpoint's host."""
    if registry_url:
        return parse_registry_url(registry_url)["netloc"]
    parts = urllib.parse.urlsplit(proxy_endpoint if "://" in proxy_endpoint else "https://" + proxy_endpoint)
    if not parts.hostname:
        raise LoginError("ECR returned a proxyEndpoint without a host; give registry_url")
    host = "[%s]" % parts.hostname if ":" in parts.hostname else parts.hostname
    return "%s:%d" % (host, parts.port) if parts.port else host


def registry_base_url(proxy_endpoint: str, registry_url: Optional[str] = None) -> str:
    """The URL whose /v2/ is asked: the override, else the proxy endpoint (https)."""
    if registry_url:
        return parse_registry_url(registry_url)["url"]
    return "https://" + entry_key(proxy_endpoint)


def registry_id_of(proxy_endpoint: str) -> Optional[str]:
    """The account id at the front of an ECR proxy endpoint host, when it is one."""
    host = urllib.parse.urlsplit(proxy_endpoint).hostname or ""
    first = host.split(".", 1)[0]
    return first if len(first) == 12 and first.isdigit() else None


def decode_auth(auth: Any) -> Optional[Tuple[str, str]]:
    """(user, password) of a base64 ``user:password``; None when it is not one."""
    if not isinstance(auth, str) or not auth:
        return None
    try:
        text = base64.b64decode(auth.encode("ascii"), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeError):
        return None
    user, sep, password = text.partition(":")
    if not sep or not user:
        return None
    return user, password


def fingerprint(auth: str) -> str:
    """A SHA-256 of a stored login: tells whether the sidecar's expiry belongs to the entry in the config."""
    return hashlib.sha256(auth.encode("utf-8")).hexdigest()


def iso(when: Any) -> Optional[str]:
    """An ISO 8601 UTC string of a datetime (naive ones are taken as UTC)."""
    if when is None:
        return None
    if isinstance(when, str):
        return when
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).isoformat()


def parse_iso(text: Any) -> Optional[datetime.datetime]:
    if not isinstance(text, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def hide(module: Any, secret: str) -> None:
    """Mask ``secret`` in everything the module returns and logs (its ``no_log_values``).

    AnsibleAWSModule passes ``no_log_values`` through from amazon.aws 10 on; with amazon.aws 9 it is the
    set of the AnsibleModule it wraps (``_module``)."""
    values = getattr(module, "no_log_values", None)
    if values is None:
        values = module._module.no_log_values
    values.add(secret)
