"""Layers read from their download URL in parts, checked against their digest."""

from __future__ import annotations

import hashlib
import io

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._oci import blob
from ansible_collections.stowage.ecr.plugins.module_utils._oci import part as oci_part
from ansible_collections.stowage.ecr.plugins.module_utils.errors import BlobReadFailed


class Trickle(io.BytesIO):
    """A response that hands out at most 3 bytes a read, as a network does."""

    def read(self, size=-1):
        return super().read(min(size, 3) if size and size > 0 else 3)


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_parts_are_full_but_the_last_and_the_digest_is_checked():
    data = bytes(range(256)) * 4
    assert [len(p) for p in blob.layer_parts(Trickle(data), digest(data), 300)] == [300, 300, 300, 124]
    assert b"".join(blob.layer_parts(Trickle(data), digest(data), 1024)) == data
    with pytest.raises(BlobReadFailed, match="are not that digest"):
        list(blob.layer_parts(Trickle(data), digest(b"other"), 300))


def test_a_refused_url_names_the_layer_not_the_url(monkeypatch):
    import urllib.error

    def refuse(url, **kwargs):
        raise urllib.error.HTTPError(url, 403, "Forbidden", {}, io.BytesIO())

    monkeypatch.setattr(blob, "open_url", refuse)
    with pytest.raises(BlobReadFailed) as error:
        blob.open_layer("https://bucket.example/secret?X-Amz-Signature=abc", "sha256:" + "a" * 64)
    assert "403" in str(error.value) and "a" * 64 in str(error.value) and "Signature" not in str(error.value)


def test_parts_are_read_into_their_base64_text_and_the_digest_is_checked():
    import base64

    data = bytes(range(256)) * 40  # 10240 bytes
    parts = list(blob.encoded_parts(Trickle(data), digest(data), 4000))
    assert [len(p) for p in parts] == [4000, 4000, 2240]
    assert b"".join(base64.b64decode(p.text()) for p in parts) == data
    with pytest.raises(BlobReadFailed, match="are not that digest"):
        list(blob.encoded_parts(Trickle(data), digest(b"other"), 4000))
    assert list(blob.encoded_parts(io.BytesIO(b""), digest(b""), 4000)) == []


def test_a_part_becomes_its_body_in_place_once_and_for_a_retry_the_same():
    import json

    part = oci_part.EncodedPart(5)
    part.add(b"hello")
    part.finish()
    head = b'{"uploadId": "u", "layerPartBlob": "'
    body = part.body(head)
    assert json.loads(bytes(body)) == {"uploadId": "u", "layerPartBlob": "aGVsbG8="} and part.body(head) is body
    with pytest.raises(ValueError):
        part.body(b'{"other": "')
    long_head = b'{"repositoryName": "%s", "layerPartBlob": "' % (b"r" * 2000)
    other = oci_part.EncodedPart(3)
    other.add(b"abc")
    other.finish()
    assert json.loads(bytes(other.body(long_head)))["layerPartBlob"] == "YWJj"


def test_a_response_that_tells_its_length_sizes_its_last_part():
    class Sized(io.BytesIO):
        length = 10

    parts = list(blob.encoded_parts(Sized(b"0123456789"), digest(b"0123456789"), 6))
    assert [len(p) for p in parts] == [6, 4] and len(parts[1].buffer) == len(b'"}') + oci_part.HEAD_ROOM + 8
