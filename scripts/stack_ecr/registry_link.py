"""The registry and the API as one ECR: what is pushed to the stack's Distribution registry is an image of
moto's ECR, and what ECR's API changes (PutImage, BatchDeleteImage, DeleteRepository) the registry serves.

On AWS, a push to a repository's registry endpoint is an image of the API at once, with the time of the push;
a tag deleted through the API can no longer be pulled, and a tag put through the API (a promotion) can be.
The stack's registry is a separate server, so the two are linked when ``registry-link.json`` lies beside
moto's recording file (``MOTO_RECORDER_FILEPATH``); ``scripts/stack.py`` writes it (``link_registry``) with
the registry's address, credentials, storage directory and debug address, and the account and region whose
backend receives the images. Without the file (moto and a registry started apart) nothing crosses over.

- At push: the registry notifies ``EVENTS_PATH`` on this server (its ``notifications.endpoints`` config,
  Distribution 2.8). Each manifest push is recorded in the linked account's and region's backend with the
  event's time as ``imagePushedAt``, when the repository exists there (the manifest itself is read from the
  registry by digest). A tag pushed onto another digest leaves the previous image untagged, as ECR does. A
  digest already recorded keeps its push time when it gets another tag. The registry sends the event before
  it writes the tag, so the tag's state in the registry is not consulted.
- Late notifications: the registry sends them from a queue after answering the push. Before every ECR
  operation the stack waits until the registry's queue for this server is empty (``Pending`` of the
  endpoint on the registry's debug server, ``/debug/vars``; at most ``STOWAGE_STACK_DRAIN_SECONDS``,
  default 10), so a read never misses an image whose push has been answered, and a notification never
  arrives after an API change that came later (it would undo it). ``event_delay`` in the link file (seconds)
  holds each notification back, which is how the tests make them late.
- Push times are kept to the millisecond, as the API's timestamps are, and strictly increase within a
  backend, so images pushed one after the other never share a time (PutImage through the API too).
- From the API to the registry: after PutImage, BatchDeleteImage and DeleteRepository, a tag the API added
  is put in the registry (PUT of the manifest, when the registry would name it with the same digest and holds
  its blobs), an image the API removed is deleted from the registry (DELETE by digest, which also drops its
  tags) and a tag removed from an image that keeps others is removed from the registry's storage (the
  registry's HTTP API has no tag delete; this is what its own untag does).

- Other accounts and regions: the one registry holds their repositories under ``<account>/<region>/<name>``
  (``registry_repository``), the linked account's and region's under their own names. A push there is an image
  of that account's and region's backend, and their PutImage, BatchDeleteImage and DeleteRepository reach
  those names, so ``docker pull REGISTRY/222222222222/eu-west-1/app:tag`` pulls what that region's API holds.

Not modelled: tag immutability at push (the registry accepts a push that ECR would refuse), pulls through the
registry as ``lastRecordedPullTime``, replication of pushed images.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from moto.ecr.models import Image, ecr_backends
from moto.ecr.responses import ECRResponse
from moto.moto_api._internal import urls as moto_api_urls

from . import EVENTS_PATH
from .model import state

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)
# one change at a time: the notifications arrive on server threads of their own
LOCK = threading.RLock()
Snapshot = List[Tuple[Image, str, frozenset]]


def link() -> Optional[Dict[str, Any]]:
    recording = os.environ.get("MOTO_RECORDER_FILEPATH")
    if not recording:
        return None
    try:
        return json.loads((Path(recording).parent / "registry-link.json").read_text())
    except (OSError, ValueError):
        return None


# the registry's HTTP API ----------------------------------------------------------------------------


def call(linked: Dict[str, Any], method: str, path: str, data: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None):
    """One request to the linked registry; the response (any status), or None when it does not answer."""
    auth = base64.b64encode(("%s:%s" % (linked["username"], linked["password"])).encode()).decode()
    url = path if path.startswith(("http://", "https://")) else linked["url"].rstrip("/") + path
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}, Authorization="Basic " + auth))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a loopback URL the stack wrote)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""
    except OSError:
        return None


def _manifest_path(repository: str, reference: str) -> str:
    return "/v2/%s/manifests/%s" % (repository, urllib.parse.quote(reference, safe=":"))


def _fetch(linked: Dict[str, Any], repository: str, digest: str) -> Optional[Tuple[str, str]]:
    """The manifest text and media type of ``digest`` in the registry, or None."""
    answer = call(linked, "GET", _manifest_path(repository, digest), headers={"Accept": ", ".join(MANIFEST_TYPES)})
    if answer is None or answer[0] != 200:
        return None
    return answer[2].decode(), answer[1].get("Content-Type", "").split(";")[0]


def drain(linked: Dict[str, Any]) -> None:
    """Wait until the registry has delivered every notification it queued for this server."""
    if not linked.get("debug"):
        return
    deadline = time.monotonic() + float(os.environ.get("STOWAGE_STACK_DRAIN_SECONDS", "10"))
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(linked["debug"].rstrip("/") + "/debug/vars", timeout=5) as response:  # noqa: S310
                endpoints = json.load(response)["registry"]["notifications"]["endpoints"]
        except (OSError, ValueError, KeyError, TypeError):
            return  # no debug server (any more): nothing to wait for
        pending = [e.get("Metrics", {}).get("Pending", 0) for e in endpoints if e.get("name") == linked.get("endpoint")]
        if not any(pending):
            return
        time.sleep(0.02)


# images in moto -------------------------------------------------------------------------------------


OTHER = re.compile(r"(\d{12})/([a-z]{2}(?:-[a-z]+)+-\d)/(.+)")


def registry_repository(linked: Dict[str, Any], account: str, region: str, name: str) -> str:
    """Where the registry holds repository ``name`` of ``account`` and ``region`` (see the module doc)."""
    if (account, region) == (linked["account"], linked["region"]):
        return name
    return "%s/%s/%s" % (account, region, name)


def push_stamp(backend, wanted: float) -> float:
    """``wanted`` (epoch seconds) to the millisecond, later than every push time this backend gave before."""
    clock = state(backend, "push_clock", lambda: [0.0])
    stamp = max(int(wanted * 1000), int(round(clock[0] * 1000)) + 1) / 1000.0
    clock[0] = stamp
    return stamp


def _event_time(text: Any) -> float:
    """An event's RFC 3339 timestamp (nanoseconds, Z or an offset) as epoch seconds; now when unreadable."""
    found = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", str(text or ""))
    if not found:
        return time.time()
    whole, fraction, zone = found.groups()
    parsed = datetime.datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    return parsed.timestamp() + float("0." + (fraction or "0"))


def untag(image: Image, tag: str) -> None:
    image.remove_tag(tag)
    if not image.image_tags:
        image.image_tag = None


def record_push(backend, linked: Dict[str, Any], repository: str, digest: str, tag: Optional[str], when: float) -> None:
    """Record one manifest push in ``backend`` (see the module doc); ``repository`` is the registry's name."""
    other = OTHER.fullmatch(repository)
    name = repository
    if other:
        backend, name = ecr_backends[other.group(1)][other.group(2)], other.group(3)
    repo = backend.repositories.get(name)
    if repo is None:
        return
    image = next((i for i in repo.images if i.get_image_digest() == digest), None)
    if image is None:
        fetched = _fetch(linked, repository, digest)
        if fetched is None:
            return
        image = Image(backend.account_id, None, fetched[0], name, fetched[1], digest)
        image.image_pushed_at = push_stamp(backend, when)
        repo.images.append(image)
    if tag and tag not in image.image_tags:
        for other in repo.images:
            if other is not image and tag in other.image_tags:
                untag(other, tag)
        image.update_tag(tag)


def receive_events(request, full_url, headers):
    """The registry's notification endpoint: manifest pushes become images of the linked backend."""
    linked = link()
    if request.method != "POST":
        return 405, {}, "POST the registry's notifications here"
    try:
        events = json.loads(request.data or b"{}").get("events") or []
    except (ValueError, AttributeError):
        events = []
    if linked:
        # a test's way to make the registry's notifications late
        time.sleep(float(linked.get("event_delay", 0)))
        backend = ecr_backends[linked["account"]][linked["region"]]
        for event in events:
            target = event.get("target") or {}
            if event.get("action") != "push" or target.get("mediaType") not in MANIFEST_TYPES:
                continue
            with LOCK:
                record_push(backend, linked, target.get("repository", ""), target.get("digest", ""), target.get("tag"), _event_time(event.get("timestamp")))
    # always taken: a refusal would make the registry send it again and again
    return 200, {}, ""


# API changes to the registry ------------------------------------------------------------------------


def snapshot(backend, repository: str) -> Snapshot:
    repo = backend.repositories.get(repository)
    return [(i, i.get_image_digest(), frozenset(i.image_tags)) for i in (repo.images if repo else [])]


def _put(linked: Dict[str, Any], repository: str, reference: str, image: Image) -> None:
    body = image.image_manifest.encode()
    if "sha256:" + hashlib.sha256(body).hexdigest() != image.get_image_digest():
        return  # the registry would name it with another digest
    media_type = image.image_manifest_media_type or json.loads(body).get("mediaType") or MANIFEST_TYPES[0]
    # refused (MANIFEST_BLOB_UNKNOWN) when the registry lacks its blobs: an image of the API only
    call(linked, "PUT", _manifest_path(repository, reference), data=body, headers={"Content-Type": media_type})


def _untag_in_storage(linked: Dict[str, Any], repository: str, tag: str, digest: str) -> None:
    if not linked.get("data") or "/" in tag or tag in (".", ".."):
        return
    tag_dir = Path(linked["data"], "docker", "registry", "v2", "repositories", repository, "_manifests", "tags", tag)
    try:
        if (tag_dir / "current" / "link").read_text().strip() != digest:
            return
    except OSError:
        return
    shutil.rmtree(tag_dir, ignore_errors=True)


def reflect(linked: Dict[str, Any], repository: str, before: Snapshot, after: List[Image]) -> None:
    """Make the registry serve what the API changed between ``before`` and ``after``."""
    present = {id(i) for i in after}
    digests = {i.get_image_digest() for i in after}
    tags_after = {t for i in after for t in i.image_tags}
    for image, digest, tags in before:
        if id(image) not in present:
            if digest not in digests:
                call(linked, "DELETE", _manifest_path(repository, digest))
            continue
        for tag in tags - set(image.image_tags) - tags_after:
            _untag_in_storage(linked, repository, tag, digest)
    known = {id(image): tags for image, _digest, tags in before}
    for image in after:
        for tag in sorted(set(image.image_tags) - known.get(id(image), frozenset())):
            _put(linked, repository, tag, image)
        if id(image) not in known and not image.image_tags:
            _put(linked, repository, image.get_image_digest(), image)


def _reflecting(original: Callable, stamp_new: bool = False) -> Callable:
    """``original`` (an ECRResponse method) with its image changes made in the linked registry too; with
    ``stamp_new``, the images it adds get their push time from ``push_stamp``."""

    def method(self: ECRResponse):
        name = self._get_param("repositoryName")
        backend = self.ecr_backend
        linked = link()
        with LOCK:
            before = snapshot(backend, name)
            result = original(self)
            repo = backend.repositories.get(name)
            after = list(repo.images) if repo else []
            if stamp_new:
                old = {id(image) for image, _digest, _tags in before}
                for image in after:
                    if id(image) not in old:
                        image.image_pushed_at = push_stamp(backend, time.time())
            if linked:
                reflect(linked, registry_repository(linked, backend.account_id, backend.region_name, name), before, after)
        return result

    method.__name__ = original.__name__
    return method


def _draining(original: Callable) -> Callable:
    def call_action(self: ECRResponse):
        linked = link()
        if linked:
            drain(linked)
        return original(self)

    return call_action


ECRResponse.call_action = _draining(ECRResponse.call_action)
ECRResponse.put_image = _reflecting(ECRResponse.put_image, stamp_new=True)
ECRResponse.batch_delete_image = _reflecting(ECRResponse.batch_delete_image)
ECRResponse.delete_repository = _reflecting(ECRResponse.delete_repository)
moto_api_urls.url_paths["{0}" + EVENTS_PATH] = receive_events
