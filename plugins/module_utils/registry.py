# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry logins: the registry address, the Docker client config, the /v2/ credential check.

The pure parts (URL checks, the config entry key, merging a login into a config, the
idempotency decision) are plain functions, unit-tested without a network. The two parts that
touch the world are ``check_login`` (one HTTP GET of /v2/, and of a token realm when the
registry asks for one) and ``write_json_atomic`` (temp file in the same directory, then rename).

Secrets: the token and password are never put into an exception message, a return value or a
diff. Callers hand them to ``module.no_log_values`` as well.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import fnmatch
import hashlib
import http.client
import ipaddress
import json
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.stowage.ecr.plugins.module_utils.validation import InputError, check_repository_name

SIDECAR_SUFFIX = ".ecr-login.json"
UNKNOWN = "unknown"
LOOPBACK_NAMES = ("localhost",)
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


class LoginError(RuntimeError):
    """The registry refused the credentials, or could not be asked. The message holds no secret."""


# the registry address ----------------------------------------------------------------------------


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


# tokens ------------------------------------------------------------------------------------------


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


# the Docker client config ------------------------------------------------------------------------


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


# the idempotency rule ----------------------------------------------------------------------------


def decide(
    stored: Optional[str],
    fresh: str,
    known: Optional[Dict[str, Any]],
    now: datetime.datetime,
    min_validity: int,
    stored_accepted: Optional[Callable[[], bool]] = None,
) -> Tuple[bool, str]:
    """Whether the login for one registry must be written, and why (a phrase without secrets).

    The rule, in order:

    1. no stored entry, or one that is not ``user:password`` in base64: write;
    2. the stored entry equals the token ECR just handed out: keep it (nothing to write; the
       token's own expiry does not matter, it is exactly what a new login would store);
    3. the stored entry is for another user: write;
    4. the expiry of the stored entry is unknown (no sidecar record, or one for another entry): write;
    5. it expires within ``min_validity`` seconds: write;
    6. the registry no longer accepts it (``stored_accepted()`` is False): write;
    7. else keep it: ECR tokens rotate on every call, so a fresh one alone is no reason to change.

    ``stored_accepted`` is a callable asked only at step 6 (it costs an HTTP request).
    """
    old = decode_auth(stored)
    if old is None:
        return True, "no login stored" if stored is None else "the stored login is not user:password in base64"
    if stored == fresh:
        return False, "the stored login is the current token"
    new = decode_auth(fresh)
    if new is None or old[0] != new[0]:
        return True, "the stored login is for another user"
    if not known or stored is None or known.get("fingerprint") != fingerprint(stored):
        return True, "the expiry of the stored login is unknown"
    expires = parse_iso(known.get("expires_at"))
    if expires is None:
        return True, "the expiry of the stored login is unknown"
    left = (expires - now).total_seconds()
    if left < min_validity:
        return True, "the stored login expires in %ds, less than min_validity %ds" % (max(0, int(left)), min_validity)
    if stored_accepted is not None and not stored_accepted():
        return True, "the registry no longer accepts the stored login"
    return False, "the stored login is accepted and valid for %ds more" % int(left)


# the /v2/ check ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Credentials must not follow a redirect to another address: a 3xx is reported as it is."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: List[urllib.request.BaseHandler] = [_NoRedirect()]
    if is_loopback(urllib.parse.urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # never send a loopback login through a proxy
    return urllib.request.build_opener(*handlers)


def _request(url: str, auth: str, timeout: float, accept: str = "application/json") -> Tuple[int, Dict[str, str], bytes]:
    """GET ``url`` with Basic ``auth``; (status, headers, body). TLS is verified for https."""
    request = urllib.request.Request(url, headers={"Authorization": "Basic " + auth, "User-Agent": "stowage.ecr", "Accept": accept})
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read(MAX_MANIFEST_BYTES)
    except urllib.error.HTTPError as e:
        headers = dict(e.headers.items()) if e.headers else {}
        e.close()
        return e.code, headers, b""
    except urllib.error.URLError as e:
        raise LoginError("could not reach %s: %s" % (url, getattr(e, "reason", e))) from None
    except (OSError, ValueError, http.client.HTTPException) as e:
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


# one login ---------------------------------------------------------------------------------------


def login_view(key: str, auth: Optional[str], known: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """What a diff may show of a stored login: the registry's user and known expiry, never the secret."""
    if auth is None:
        return None
    decoded = decode_auth(auth)
    expires = None
    if known and known.get("fingerprint") == fingerprint(auth):
        expires = known.get("expires_at")
    return {"username": decoded[0] if decoded else None, "expires_at": expires or UNKNOWN}


# what a tag holds -------------------------------------------------------------------------------

# every manifest kind a registry may hold under a tag: single images first, then indexes
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
INDEX_TYPES = MANIFEST_TYPES[2:]


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


def tag_is_immutable(tag: str, mutability: str, filters: Any) -> bool:
    """Whether ECR refuses to move ``tag`` in a repository with this image tag mutability."""
    matches = any(fnmatch.fnmatchcase(tag, pattern) for pattern in filters or [])
    if mutability == "IMMUTABLE":
        return True
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        return not matches
    if mutability == "MUTABLE_WITH_EXCLUSION":
        return matches
    return False


def push_plan(image_id: str, held: Any, mutability: str = "MUTABLE", filters: Any = None) -> Dict[str, Any]:
    """Which tags a push would change, and which of those the repository would refuse.

    ``held`` is a list of read_tag results. A tag that holds the image already needs no push;
    one that holds another image in an immutable repository is a conflict.
    """
    to_push, conflicts = [], []
    for entry in held:
        if entry["exists"] and entry["config_digest"] == image_id:
            continue
        to_push.append(entry["tag"])
        if entry["exists"] and tag_is_immutable(entry["tag"], mutability, filters):
            conflicts.append(entry["tag"])
    return {"to_push": to_push, "conflicts": conflicts}
