"""Image layers through ECR's API, held by the linked registry: InitiateLayerUpload, UploadLayerPart,
CompleteLayerUpload, BatchCheckLayerAvailability and GetDownloadUrlForLayer.

moto keeps uploaded layers in memory (and serves no GetDownloadUrlForLayer); with a registry linked
(``registry_link.py``) the stack writes them into the registry instead, under the repository's registry name
(``registry_link.registry_repository``: the linked account's and region's repositories by their names, others
under ``<account>/<region>/<name>``), so an image copied through the API is pulled with ``docker pull``. Without
a link, moto's own operations answer.

What the stack keeps of the ECR API Reference (the operations' and errors' documentation in botocore's model):

- InitiateLayerUpload answers an ``uploadId`` and the ``partSize`` ECR expects (10 MiB here); each upload is
  one blob upload session of the registry (``POST /v2/<name>/blobs/uploads/``).
- UploadLayerPart: parts arrive in order, ``partFirstByte`` one past the last byte received and
  ``partLastByte - partFirstByte + 1`` the part's length, else InvalidLayerPartException; a part is at most
  20971520 bytes (the model's ``LayerPartBlob`` maximum). An unknown upload is UploadNotFoundException.
- CompleteLayerUpload: no byte received is EmptyUploadException; a part other than the last smaller than
  5 MiB is LayerPartTooSmallException ("Layer parts must be at least 5 MiB in size"); a layer the repository
  holds already is LayerAlreadyExistsException; a digest that the bytes do not have is InvalidLayerException.
- BatchCheckLayerAvailability: AVAILABLE with the layer's size when the registry holds the blob for the
  repository, else the failure ``MissingLayerDigest``; a digest that is not ``sha256:<64 hex>`` is
  ``InvalidLayerDigest``.
- GetDownloadUrlForLayer: "You can only get URLs for image layers that are referenced in an image": a digest
  no manifest of the repository names (config, layers, blobs) is LayerInaccessibleException; one the registry
  lacks is LayersNotFoundException. ECR answers a pre-signed S3 URL; the stack answers a URL on this server
  (``LAYERS_PATH``) signed with an HMAC and valid for an hour, which streams the blob out of the registry
  without any credentials; a wrong signature or an expired URL is 403, as S3 answers.

- PutImage (moto's, checked here first): an image manifest naming a blob (config, layer, an artifact's blob)
  that the repository does not hold is LayersNotFoundException; an index naming an image the repository does
  not hold is ReferencedImagesNotFoundException ("The manifest list is referencing an image that does not
  exist."), as the ECR API Reference's PutImage lists its errors
  (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html). Checked while a registry is
  linked, where the blobs are; without one, moto's PutImage takes any manifest, which is how tests seed images
  with made-up layers.

Fault hook for tests: ``{"complete_fails_after": N}`` in ``layer-faults.json`` beside moto's recording makes
every CompleteLayerUpload after the first N (counted per server since the file appeared) fail with
KmsException, an error the operation documents and clients do not retry, so a copy stops part-way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

from moto.ecr.responses import ECRResponse
from moto.moto_api._internal import urls as moto_api_urls

from . import LAYERS_PATH
from .model import EcrError, operation, state
from .registry_link import call, link, registry_repository

PART_SIZE = 10 * 1024 * 1024
PART_MIN = 5 * 1024 * 1024
URL_SECONDS = 3600
DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
CHUNK = 64 * 1024
INDEX_TYPES = ("application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json")
FAULTS = {"completed": 0}
# one part at a time per upload; uploads of several layers go on side by side
UPLOADS_LOCK = threading.Lock()


def _blob_path(name: str, digest: str) -> str:
    return "/v2/%s/blobs/%s" % (name, digest)


def _faults() -> Dict[str, Any]:
    recording = os.environ.get("MOTO_RECORDER_FILEPATH")
    path = Path(recording).parent / "layer-faults.json" if recording else None
    if path is None or not path.exists():
        FAULTS["completed"] = 0
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _upload(backend, params) -> Dict[str, Any]:
    upload = state(backend, "layer_uploads").get(params["uploadId"])
    if upload is None or upload["repository"] != params["repositoryName"]:
        raise EcrError("UploadNotFoundException", "Upload with id '%s' is not found in repository '%s'" % (params["uploadId"], params["repositoryName"]))
    return upload


def _registry_name(backend, repository) -> str:
    linked = link()
    assert linked is not None
    return registry_repository(linked, backend.account_id, backend.region_name, repository.name)


@operation("InitiateLayerUpload")
def initiate_layer_upload(backend, params, account, region):
    linked = link()
    if not linked:
        return backend.initiate_layer_upload(params["repositoryName"], params.get("registryId"))
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    answer = call(linked, "POST", "/v2/%s/blobs/uploads/" % _registry_name(backend, repository))
    if answer is None or answer[0] != 202:
        raise EcrError("ServerException", "The layer upload could not be started")
    upload_id = str(uuid.uuid4())
    location = urllib.parse.urljoin(linked["url"], answer[1]["Location"])
    state(backend, "layer_uploads")[upload_id] = {"repository": repository.name, "location": location, "parts": [], "lock": threading.Lock()}
    return {"uploadId": upload_id, "partSize": PART_SIZE}


@operation("UploadLayerPart")
def upload_layer_part(backend, params, account, region):
    linked = link()
    if not linked:
        blob = base64.b64decode(params["layerPartBlob"])
        first, last = params["partFirstByte"], params["partLastByte"]
        return backend.upload_layer_part(params["repositoryName"], params["uploadId"], first, last, blob, params.get("registryId"))
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    blob = base64.b64decode(params["layerPartBlob"])
    upload = _upload(backend, params)
    with upload["lock"]:
        received = sum(upload["parts"])
        first, last = params["partFirstByte"], params["partLastByte"]
        if first != received or last - first + 1 != len(blob) or len(blob) > 20971520:
            message = "The layer part size is not valid, or the first byte specified is not consecutive to the last byte of a previous layer part upload"
            raise EcrError("InvalidLayerPartException", "%s (last valid byte received: %d)" % (message, received - 1))
        headers = {"Content-Type": "application/octet-stream", "Content-Range": "%d-%d" % (first, last)}
        answer = call(linked, "PATCH", upload["location"], data=blob, headers=headers)
        if answer is None or answer[0] != 202:
            raise EcrError("ServerException", "The layer part could not be stored")
        upload["location"] = urllib.parse.urljoin(linked["url"], answer[1]["Location"])
        upload["parts"].append(len(blob))
    return {"registryId": repository.registry_id, "repositoryName": repository.name, "uploadId": params["uploadId"], "lastByteReceived": last}


@operation("CompleteLayerUpload")
def complete_layer_upload(backend, params, account, region):
    linked = link()
    if not linked:
        return backend.complete_layer_upload(params["repositoryName"], params["uploadId"], params["layerDigests"], params.get("registryId"))
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    name = _registry_name(backend, repository)
    upload = _upload(backend, params)
    with upload["lock"]:
        if not upload["parts"] or not sum(upload["parts"]):
            raise EcrError("EmptyUploadException", "The specified layer upload does not contain any layer parts.")
        if any(size < PART_MIN for size in upload["parts"][:-1]):
            raise EcrError("LayerPartTooSmallException", "Layer parts must be at least 5 MiB in size.")
        digest = params["layerDigests"][0]
        faults = _faults()
        with UPLOADS_LOCK:
            failing = "complete_fails_after" in faults and FAULTS["completed"] >= int(faults["complete_fails_after"])
        if failing:
            raise EcrError("KmsException", "The operation failed due to a KMS exception (a fault the stack was told to make).")
        held = call(linked, "HEAD", _blob_path(name, digest))
        if held is not None and held[0] == 200:
            state(backend, "layer_uploads").pop(params["uploadId"], None)
            raise EcrError("LayerAlreadyExistsException", "The image layer already exists in the associated repository.")
        separator = "&" if "?" in upload["location"] else "?"
        finish = upload["location"] + separator + urllib.parse.urlencode({"digest": digest})
        answer = call(linked, "PUT", finish, data=b"", headers={"Content-Type": "application/octet-stream"})
        if answer is None or answer[0] != 201:
            raise EcrError("InvalidLayerException", "The layer digest calculated upon receipt of the image layer does not match the digest specified.")
        state(backend, "layer_uploads").pop(params["uploadId"], None)
        if faults:
            with UPLOADS_LOCK:
                FAULTS["completed"] += 1
    return {"registryId": repository.registry_id, "repositoryName": repository.name, "uploadId": params["uploadId"], "layerDigest": digest}


@operation("BatchCheckLayerAvailability")
def batch_check_layer_availability(backend, params, account, region):
    linked = link()
    if not linked:
        return backend.batch_check_layer_availability(params["repositoryName"], params["layerDigests"], registry_id=params.get("registryId"))
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    name = _registry_name(backend, repository)
    layers, failures = [], []
    for digest in params["layerDigests"]:
        if not DIGEST.fullmatch(digest):
            failures.append({"layerDigest": digest, "failureCode": "InvalidLayerDigest", "failureReason": "Invalid layer digest"})
            continue
        answer = call(linked, "HEAD", _blob_path(name, digest))
        if answer is not None and answer[0] == 200:
            layers.append({"layerDigest": digest, "layerAvailability": "AVAILABLE", "layerSize": int(answer[1].get("Content-Length", 0))})
        else:
            failures.append({"layerDigest": digest, "failureCode": "MissingLayerDigest", "failureReason": "Layer not found"})
    return {"layers": layers, "failures": failures}


def _named_blobs(manifest: Dict[str, Any]) -> list:
    named = [manifest.get("config") or {}] + list(manifest.get("layers") or []) + list(manifest.get("blobs") or [])
    return list(dict.fromkeys(d["digest"] for d in named if isinstance(d, dict) and isinstance(d.get("digest"), str)))


def put_image_refusal(backend, linked: Dict[str, Any], params: Dict[str, Any]) -> EcrError | None:
    """Why ECR would refuse PutImage of ``params`` for what the repository lacks (None: nothing lacking, or a
    request moto refuses itself: a missing repository, a manifest that is not JSON)."""
    repository = backend.repositories.get(params.get("repositoryName"))
    try:
        manifest = json.loads(params.get("imageManifest") or "")
    except ValueError:
        return None
    if repository is None or not isinstance(manifest, dict):
        return None
    media_type = params.get("imageManifestMediaType") or manifest.get("mediaType")
    if isinstance(manifest.get("manifests"), list) or media_type in INDEX_TYPES:
        held = {image.get_image_digest() for image in repository.images}
        children = [c.get("digest") for c in manifest.get("manifests") or [] if isinstance(c, dict)]
        missing = [d for d in children if d not in held]
        if missing:
            return EcrError("ReferencedImagesNotFoundException", "The manifest list is referencing an image that does not exist: %s." % ", ".join(missing))
        return None
    name = _registry_name(backend, repository)
    missing = [d for d in _named_blobs(manifest) if (call(linked, "HEAD", _blob_path(name, d)) or (0,))[0] != 200]
    if missing:
        return EcrError(
            "LayersNotFoundException",
            "The specified layers could not be found, or the specified layer is not valid for this repository: %s." % ", ".join(missing),
        )
    return None


def _checking_blobs(original):
    def put_image(self: ECRResponse):
        linked = link()
        if linked:
            body = self.body.decode() if isinstance(self.body, bytes) else self.body
            refusal = put_image_refusal(self.ecr_backend, linked, json.loads(body or "{}"))
            if refusal is not None:
                raise refusal
        return original(self)

    return put_image


def _referenced(repository, digest: str) -> bool:
    for image in repository.images:
        try:
            manifest = json.loads(image.image_manifest)
        except ValueError:
            continue
        if isinstance(manifest, dict) and digest in _named_blobs(manifest):
            return True
    return False


def _signature(linked: Dict[str, Any], name: str, digest: str, expires: str) -> str:
    text = "%s\n%s\n%s" % (name, digest, expires)
    return hmac.new(linked["password"].encode(), text.encode(), hashlib.sha256).hexdigest()


@operation("GetDownloadUrlForLayer")
def get_download_url_for_layer(backend, params, account, region):
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    digest = params["layerDigest"]
    linked = link()
    if not _referenced(repository, digest):
        raise EcrError("LayerInaccessibleException", "The specified layer is not available because it is not associated with an image.")
    if not linked:
        raise EcrError("LayersNotFoundException", "The specified layers could not be found (the stack has no registry linked).")
    name = _registry_name(backend, repository)
    answer = call(linked, "HEAD", _blob_path(name, digest))
    if answer is None or answer[0] != 200:
        raise EcrError("LayersNotFoundException", "The specified layers could not be found, or the specified layer is not valid for this repository.")
    expires = str(int(time.time()) + URL_SECONDS)
    query = urllib.parse.urlencode({"repository": name, "digest": digest, "expires": expires, "signature": _signature(linked, name, digest, expires)})
    return {"downloadUrl": linked["api"].rstrip("/") + LAYERS_PATH + "?" + query, "layerDigest": digest}


def _stream(response) -> Iterator[bytes]:
    with response:
        while True:
            chunk = response.read(CHUNK)
            if not chunk:
                return
            yield chunk


def serve_layer(request, full_url, headers):
    """A layer's bytes for a URL that GetDownloadUrlForLayer signed; no credentials wanted."""
    linked = link()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(full_url).query))
    name, digest, expires = query.get("repository", ""), query.get("digest", ""), query.get("expires", "0")
    if not linked or not hmac.compare_digest(query.get("signature", ""), _signature(linked, name, digest, expires)):
        return 403, {}, "SignatureDoesNotMatch"
    if not expires.isdigit() or int(expires) < time.time():
        return 403, {}, "Request has expired"
    auth = base64.b64encode(("%s:%s" % (linked["username"], linked["password"])).encode()).decode()
    outgoing = urllib.request.Request(linked["url"].rstrip("/") + _blob_path(name, digest), headers={"Authorization": "Basic " + auth})
    try:
        response = urllib.request.urlopen(outgoing, timeout=30)  # noqa: S310 (the linked loopback registry)
    except OSError:
        return 404, {}, "NoSuchKey"
    length = response.headers.get("Content-Length")
    return 200, dict({"Content-Type": "application/octet-stream"}, **({"Content-Length": length} if length else {})), _stream(response)


ECRResponse.put_image = _checking_blobs(ECRResponse.put_image)
moto_api_urls.url_paths["{0}" + LAYERS_PATH] = serve_layer
