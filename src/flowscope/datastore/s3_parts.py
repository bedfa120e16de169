"""Pieces of a blob for S3 transfers, without copying the blob: part plans and a reader.

A blob reaches a backend as a sequence of chunks (header, segments). A multipart upload
sends it in parts of `part_size` bytes that may straddle chunks; `PartReader` presents one
part as a seekable file over memoryview slices of the chunks, so the only bytes copied are
the pieces the HTTP client asks for at a time (a 2 GB blob never needs a second copy).
Downloads go the other way: ranged GETs written into slices of one preallocated buffer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from flowscope.datastore.storage import Chunk

MIN_PART = 5 * 1024 * 1024
"""S3's smallest part (all but the last)."""
MAX_PARTS = 10_000
"""S3's largest number of parts in one upload."""


def part_size_for(size: int, preferred: int) -> int:
    """`preferred`, grown (in MiB steps) so that `size` bytes fit in at most MAX_PARTS parts."""
    part = max(preferred, MIN_PART)
    if -(-size // part) > MAX_PARTS:
        mib = 1024 * 1024
        part = -(-size // MAX_PARTS)
        part = -(-part // mib) * mib
    return part


def ranges(size: int, part: int) -> list[tuple[int, int]]:
    """[start, stop) byte ranges covering `size` bytes in pieces of `part` (at least one)."""
    if size == 0:
        return [(0, 0)]
    return [(start, min(start + part, size)) for start in range(0, size, part)]


def byte_views(chunks: Sequence[Chunk]) -> list[memoryview]:
    """Each chunk as a flat unsigned-byte view (no copy)."""
    views = []
    for chunk in chunks:
        view = memoryview(chunk)
        views.append(view if view.format == "B" and view.ndim == 1 else view.cast("B"))
    return views


def slice_views(views: Sequence[memoryview], start: int, stop: int) -> list[memoryview]:
    """The views covering bytes [start, stop) of the concatenation of `views` (no copy)."""
    out: list[memoryview] = []
    position = 0
    for view in views:
        end = position + view.nbytes
        if end > start and position < stop:
            out.append(view[max(start - position, 0) : min(stop, end) - position])
        position = end
        if position >= stop:
            break
    return out


class PartReader(io.RawIOBase):
    """A read-only, seekable file over a list of memoryviews (one upload part)."""

    def __init__(self, views: Sequence[memoryview]) -> None:
        super().__init__()
        self._views = list(views)
        self._size = sum(v.nbytes for v in self._views)
        self._position = 0

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = min(max(base + offset, 0), self._size)
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._position)
        if want <= 0:
            return 0
        filled = 0
        for piece in slice_views(self._views, self._position, self._position + want):
            buffer[filled : filled + piece.nbytes] = piece
            filled += piece.nbytes
        self._position += filled
        return filled

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._position
        out = bytearray(min(size, self._size - self._position))
        count = self.readinto(memoryview(out))
        return bytes(out[:count])
