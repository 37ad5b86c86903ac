# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A layer's bytes from the download URL ECR gives for it (GetDownloadUrlForLayer: a pre-signed URL, which
carries its own authorisation), read as a stream in parts of a fixed size: a layer is never held whole in
memory nor written to disk. Built on ansible.module_utils.urls; no credentials are sent, and the URL (a
credential while it is valid) is never put in a message."""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.parse
from typing import Any, Iterator

from ansible.module_utils.urls import ConnectionError as UrlConnectionError
from ansible.module_utils.urls import open_url

from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import is_loopback
from ansible_collections.stowage.ecr.plugins.module_utils.errors import BlobReadFailed

READ_CHUNK = 1024 * 1024


def open_layer(url: str, digest: str, timeout: float = 60) -> Any:
    """The response of GET ``url`` (no credentials; redirects of a GET followed, as a pre-signed URL may
    redirect); BlobReadFailed naming ``digest`` when the URL does not serve it."""
    use_proxy = not is_loopback(urllib.parse.urlsplit(url).hostname or "")
    try:
        return open_url(url, timeout=timeout, follow_redirects="safe", use_proxy=use_proxy, validate_certs=True, use_netrc=False, http_agent="stowage.ecr")
    except urllib.error.HTTPError as e:
        e.close()
        raise BlobReadFailed("the download URL ECR gave for layer %s answered HTTP %s" % (digest, e.code)) from None
    except (urllib.error.URLError, UrlConnectionError, OSError, ValueError, http.client.HTTPException) as e:
        raise BlobReadFailed("the download URL ECR gave for layer %s could not be read: %s" % (digest, getattr(e, "reason", e))) from None


def layer_parts(response: Any, digest: str, part_size: int) -> Iterator[bytearray]:
    """The bytes of ``response`` in parts of ``part_size`` (the last one shorter), checked against ``digest``
    (sha256) once all are read: BlobReadFailed when they differ, raised after the last part and so before
    the upload is completed (CompleteLayerUpload is what makes a layer exist)."""
    hasher = hashlib.sha256() if digest.startswith("sha256:") else None
    part = bytearray()
    try:
        with response:
            while True:
                chunk = response.read(min(READ_CHUNK, part_size - len(part)))
                if not chunk:
                    break
                part.extend(chunk)
                if len(part) == part_size:
                    if hasher is not None:
                        hasher.update(part)
                    # handed over as it is (botocore takes a bytearray for a blob): a copy would hold a part twice
                    yield part
                    part = bytearray()
    except (OSError, http.client.HTTPException) as e:
        raise BlobReadFailed("layer %s stopped arriving from its download URL: %s" % (digest, e)) from None
    if hasher is not None:
        hasher.update(part)
    if part:
        yield part
    if hasher is not None and "sha256:" + hasher.hexdigest() != digest:
        raise BlobReadFailed("the bytes read for layer %s are not that digest (sha256:%s)" % (digest, hasher.hexdigest()))
