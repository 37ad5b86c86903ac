# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a registry is: the registry address a user gives (``https://HOST[:PORT]``) and image names
``HOST[:PORT]/REPOSITORY``, checked before any call; pure functions."""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from typing import Any, Dict, Tuple

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_repository_name
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_registry_url(url: Any, option: str = "registry_url") -> Dict[str, str]:
    """Check a registry address given by the user; return its parts.

    Accepted: ``https://HOST[:PORT]``, and ``http://HOST[:PORT]`` for loopback hosts only; an
    optional trailing ``/``; no user, path, query or fragment.
    """
    accepted = "give https://HOST[:PORT], or http://HOST[:PORT] for a loopback host (127.0.0.0/8, localhost, ::1)"
    if not isinstance(url, str) or not url.strip():
        raise InputError("%s: a registry URL is required; %s" % (option, accepted))
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InputError("%s: %r is not a valid URL; %s" % (option, url, accepted)) from None
    if parts.scheme not in ("https", "http"):
        raise InputError("%s: %r has no https:// or http:// scheme; %s" % (option, url, accepted))
    if not parts.hostname:
        raise InputError("%s: %r names no host; %s" % (option, url, accepted))
    if parts.username is not None or parts.password is not None:
        raise InputError("%s: %r holds a user or password; the credentials come from ECR, %s" % (option, _redact_userinfo(url), accepted))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError("%s: %r has a path, query or fragment; the registry is addressed by scheme, host and port only; %s" % (option, url, accepted))
    host = parts.hostname.lower()
    if not valid_host(host):
        raise InputError(
            "%s: %r names the host %r, which is not a host name or IP address; a name is dot-separated labels of 1 to 63 "
            "letters, digits and '-' (253 characters at most); %s" % (option, url, host, accepted)
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise InputError(
            "%s: %r uses plain http:// to a host that is not loopback; credentials would cross the network unencrypted; %s" % (option, url, accepted)
        )
    netloc_host = "[%s]" % host if ":" in host else host
    netloc = "%s:%d" % (netloc_host, port) if port is not None else netloc_host
    return {"scheme": parts.scheme, "host": host, "port": "" if port is None else str(port), "netloc": netloc, "url": "%s://%s" % (parts.scheme, netloc)}


HOST_LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def valid_host(host: str) -> bool:
    """A DNS name of valid labels, or an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    return 0 < len(host) <= 253 and all(HOST_LABEL_RE.fullmatch(label) for label in host.rstrip(".").split("."))


IMAGE_NAME_EXAMPLE = "123456789012.dkr.ecr.ap-south-1.amazonaws.com/team/app"


def split_image_name(name: Any, option: str = "name") -> Tuple[str, str]:
    """Check an image name in a registry, ``HOST[:PORT]/REPOSITORY`` with no tag or digest; return (host[:port], repository).

    The host part is what docker reads as a registry: it holds a '.' or a ':', or is ``localhost``.
    """
    accepted = "give HOST[:PORT]/REPOSITORY without a tag or digest, for example %s" % IMAGE_NAME_EXAMPLE
    if not isinstance(name, str) or not name:
        raise InputError("%s: an image name in the registry is required; %s" % (option, accepted))
    if "@" in name:
        raise InputError("%s: %r holds a digest; an image is pushed by tag; %s" % (option, name, accepted))
    registry, slash, repository = name.partition("/")
    if not slash or not ("." in registry or ":" in registry or registry.lower() == "localhost"):
        raise InputError("%s: %r names no registry host before its first '/'; %s" % (option, name, accepted))
    if not repository:
        raise InputError("%s: %r names no repository after the registry host; %s" % (option, name, accepted))
    if ":" in repository:
        raise InputError("%s: %r holds a tag after the repository; put the tags in tags; %s" % (option, name, accepted))
    try:
        parts = urllib.parse.urlsplit("//" + registry)
        port = parts.port
    except ValueError:
        raise InputError("%s: %r has a registry port that is not a number from 1 to 65535; %s" % (option, name, accepted)) from None
    host = parts.hostname or ""
    if not valid_host(host) or port == 0 or registry.endswith(":"):
        raise InputError("%s: %r names the registry %r, which is not HOST or HOST:PORT; %s" % (option, name, registry, accepted))
    check_repository_name(repository, option="%s (repository part)" % option)
    return registry.lower(), repository


def _redact_userinfo(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[-1]).geturl()
