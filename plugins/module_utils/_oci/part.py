# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A layer's part as UploadLayerPart's JSON body carries it (``EncodedPart``): read by ``blob.encoded_parts``, sent
by the ECR layer's upload. Its own file so that the ECR layer does not import the download side (HTTP, TLS)."""

from __future__ import annotations

import binascii
from typing import Any

# room left before a part's text for the other members of UploadLayerPart's body (registry id, repository name
# of at most 256 characters, upload id, byte range): a few hundred bytes
HEAD_ROOM = 1024
TAIL = b'"}'


def encoded_length(size: int) -> int:
    """The length of the base64 text of ``size`` bytes."""
    return 4 * ((size + 2) // 3)


class EncodedPart:
    """A part of a layer as the JSON body of UploadLayerPart carries it: its bytes as base64 text, written into
    ``buffer`` as they are read, after HEAD_ROOM bytes kept for the body's other members. ``size``: the part's
    bytes (``len``). ``body(head)`` makes the buffer the whole body in place and returns it."""

    __slots__ = ("buffer", "size", "_end", "_head")

    def __init__(self, capacity: int):
        self.buffer = bytearray(HEAD_ROOM + encoded_length(capacity) + len(TAIL))
        self.size = 0
        self._end = HEAD_ROOM
        self._head: bytes | None = None

    def __len__(self) -> int:
        return self.size

    def add(self, data: Any) -> None:
        """``data`` (bytes-like; a multiple of 3 bytes but for the part's last) appended to the part."""
        text = binascii.b2a_base64(data, newline=False)
        self.buffer[self._end : self._end + len(text)] = text
        self._end += len(text)
        self.size += len(data)

    def finish(self) -> None:
        """The part's text closed (the string, then the object), the room left unused given back."""
        end = self._end + len(TAIL)
        self.buffer[self._end : end] = TAIL
        del self.buffer[end:]

    def text(self) -> bytes:
        """The part's base64 text."""
        return bytes(self.buffer[HEAD_ROOM : self._end])

    def body(self, head: bytes) -> bytearray:
        """The buffer as the body ``head`` + the part's text + ``"}`` (``head`` ends with ``"layerPartBlob": "``),
        ``head`` written into the room before the text and the rest of the room dropped (in place: a bytearray
        gives back its front without a copy). The same buffer for the same ``head`` again (a retried call)."""
        if self._head is None:
            if len(head) > HEAD_ROOM:
                self.buffer[0:0] = bytes(len(head) - HEAD_ROOM)
                self._end += len(head) - HEAD_ROOM
            start = max(HEAD_ROOM, len(head)) - len(head)
            self.buffer[start : start + len(head)] = head
            del self.buffer[:start]
            self._end -= start
            self._head = head
        elif head != self._head:
            raise ValueError("a part's body is made once, for one call")
        return self.buffer
