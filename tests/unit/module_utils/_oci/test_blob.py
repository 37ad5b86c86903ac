"""Layers read from their download URL in parts, checked against their digest."""

from __future__ import annotations

import hashlib
import io

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._oci import blob
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
