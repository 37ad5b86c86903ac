# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A layer's bytes from the download URL ECR gives for it (GetDownloadUrlForLayer: a pre-signed URL, which
carries its own authorisation), read as a stream in parts of a fixed size: a layer is never held whole in
memory nor written to disk. Built on ansible.module_utils.urls; no credentials are sent, and the URL (a
credential while it is valid) is never put in a message.

``encoded_parts`` reads each part straight into the base64 text UploadLayerPart's JSON body carries
(``EncodedPart``): the bytes of a part are never held whole beside their text, and the body is that text with
its other members written before it, in place."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import http.client
import urllib.error
import urllib.parse
from typing import Any, Iterator

from ansible.module_utils.urls import ConnectionError as UrlConnectionError
from ansible.module_utils.urls import Request, make_context

from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import is_loopback
from ansible_collections.stowage.ecr.plugins.module_utils._oci.part import EncodedPart
from ansible_collections.stowage.ecr.plugins.module_utils.errors import BlobReadFailed

READ_CHUNK = 1024 * 1024
# bytes read (and hashed, and base64-encoded) at a time by encoded_parts: a multiple of 3, so that the texts of
# consecutive chunks join into the text of the whole part
ENCODE_CHUNK = 3 * 256 * 1024
# glibc's mallopt parameter: the size from which a buffer is mapped on its own, and unmapped when freed
M_MMAP_THRESHOLD = -3
MAPPED_FROM = 2 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def _tls_context() -> Any:
    # made once a process (loading the CA certificates takes tens of milliseconds), shared by every download
    return make_context(validate_certs=True)


@functools.lru_cache(maxsize=1)
def _parts_given_back() -> None:
    # glibc maps a large buffer on its own, but raises that threshold to the size of each one freed: the parts read
    # after the first would come from the heaps of the threads that read them, which keep their memory once the
    # parts are sent (tens of MiB more at the peak). Fixed (which stops its raising), every part's buffer is
    # unmapped as it is let go. Nothing to do on a libc without mallopt.
    try:
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)
    except (OSError, AttributeError):
        pass


def open_url(url: str, **kwargs: Any) -> Any:
    """ansible.module_utils.urls' ``open_url`` (a GET with ``kwargs`` as its options), on the TLS context of the process."""
    return Request(**kwargs).open("GET", url, context=_tls_context())


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


def _fill(response: Any, view: memoryview) -> int:
    """``view`` filled from ``response`` (read into, where it can) up to its end or the response's: the bytes read."""
    got = 0
    readinto = getattr(response, "readinto", None)
    while got < len(view):
        if readinto is not None:
            n = readinto(view[got:])
        else:
            chunk = response.read(len(view) - got)
            n = len(chunk)
            view[got : got + n] = chunk
        if not n:
            break
        got += n
    return got


def encoded_parts(response: Any, digest: str, part_size: int) -> Iterator[EncodedPart]:
    """The bytes of ``response`` in parts of ``part_size`` (the last one shorter), each read into its base64 text
    (``EncodedPart``), checked against ``digest`` (sha256) once all are read: BlobReadFailed when they differ,
    raised after the last part and so before the upload is completed. A part's buffer is sized to the bytes
    left when the response says how many (Content-Length)."""
    _parts_given_back()
    hasher = hashlib.sha256() if digest.startswith("sha256:") else None
    left = getattr(response, "length", None)
    chunk = memoryview(bytearray(min(ENCODE_CHUNK, part_size)))
    try:
        with response:
            ended = False
            while not ended:
                part = EncodedPart(min(part_size, max(left, 0)) if isinstance(left, int) else part_size)
                while part.size < part_size:
                    want = min(len(chunk), part_size - part.size)
                    got = _fill(response, chunk[:want])
                    if got:
                        if hasher is not None:
                            hasher.update(chunk[:got])
                        part.add(chunk[:got])
                    if got < want:
                        ended = True
                        break
                if isinstance(left, int):
                    left -= part.size
                if not part.size:
                    break
                part.finish()
                yield part
                del part  # sent: not held while the next part is read
    except (OSError, http.client.HTTPException) as e:
        raise BlobReadFailed("layer %s stopped arriving from its download URL: %s" % (digest, e)) from None
    if hasher is not None and "sha256:" + hasher.hexdigest() != digest:
        raise BlobReadFailed("the bytes read for layer %s are not that digest (sha256:%s)" % (digest, hasher.hexdigest()))
