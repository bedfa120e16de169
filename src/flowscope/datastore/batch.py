"""The wire form of a batch blob read (`POST /api/v1/blobs/batch`): several stored blobs in
one bounded, length-prefixed answer.

The request is JSON, ``{"keys": [...], "max_bytes": N}``. The answer is, for each key the
service includes, in the order asked, one ASCII line and then the blob's stored bytes::

    <key> <length>\\n<length bytes>      a stored blob
    <key> -\\n                           no blob is stored under that key

A key may be left out (its blob would take the answer past its bound); the caller asks for
it again, on its own. The stored form travels as is: the reader's ContentStore decodes and
verifies it, as for a single GET. `decode` trusts nothing: a key that was not asked, a
length that runs past the body, or anything else malformed is an error naming what it saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flowscope.datastore.keys import KEY_LENGTH
from flowscope.errors import DataStoreError

MAX_KEYS = 1000
"""Keys one batch request may ask for."""
MAX_BYTES = 16 * 1024 * 1024
"""Bytes of blobs one batch answer holds at most (a caller may ask for fewer)."""
MISSING = b"-"
_MAX_LINE = KEY_LENGTH + 1 + 20 + 1


def header(key: str, length: int | None) -> bytes:
    """The line before one entry (``length`` None: not stored)."""
    size = MISSING if length is None else str(length).encode()
    return key.encode() + b" " + size + b"\n"


def encode(entries: Iterable[tuple[str, bytes | bytearray | memoryview | None]]) -> list[bytes]:
    """The answer's chunks for (key, stored bytes or None) pairs."""
    chunks: list[bytes] = []
    for key, data in entries:
        chunks.append(header(key, None if data is None else memoryview(data).nbytes))
        if data is not None:
            chunks.append(bytes(data))
    return chunks


def decode(body: bytes | bytearray, asked: Sequence[str]) -> dict[str, bytearray | None]:
    """The entries of an answer to a request for `asked`: key -> stored bytes, or None when
    nothing is stored under it. Keys left out are absent. DataStoreError if malformed."""
    wanted = set(asked)
    found: dict[str, bytearray | None] = {}
    view = memoryview(body)
    position = 0
    while position < len(body):
        end = body.find(b"\n", position, position + _MAX_LINE)
        if end < 0:
            raise _malformed(f"an entry line at byte {position} has no end")
        line = bytes(view[position:end])
        key_part, _, size_part = line.partition(b" ")
        key = key_part.decode("ascii", "replace")
        if key not in wanted or key in found:
            raise _malformed(f"an entry for {key[:80]!r}, which was not asked for (or twice)")
        position = end + 1
        if size_part == MISSING:
            found[key] = None
            continue
        if not (size_part.isdigit() and len(size_part) <= 20):
            raise _malformed(f"the length {size_part[:30]!r} for {key}")
        length = int(size_part)
        if position + length > len(body):
            raise _malformed(f"{length} bytes for {key}, past the end of the answer")
        found[key] = bytearray(view[position : position + length])
        position += length
    return found


def _malformed(what: str) -> DataStoreError:
    return DataStoreError(
        f"A batch blob answer is malformed: {what}. Check that the address is a flowscope "
        "service of a matching version."
    )
