"""Content addressing: blobs stored and found by the blake3 hash of their logical bytes.

``ContentStore`` sits on any ``BlobStorage``. On the way in it hashes the bytes, skips the
write when the key is already stored (the same value stored twice takes the space of one),
and encodes the rest (see ``encoding``). On a remote ``ConditionalStorage`` (S3) a small blob
is sent with a store-if-absent write instead of being looked up first: one round trip, not two.
On the way out it decodes and checks what it read against the key, so damaged or altered data
is never returned. ``StreamVerifier`` checks a stored form as it arrives (the service's
uploads), with bounded memory.
"""

from __future__ import annotations

import bisect
import mmap
import os
from collections.abc import Iterable, Sequence

from flowscope.datastore.encoding import RAW, StreamDecoder, decode, encode, parse_header
from flowscope.datastore.keys import blob_corrupted, check_key
from flowscope.datastore.storage import BlobStorage, Chunk
from flowscope.errors import DataStoreError
from flowscope.frozen import Frozen, init

PARALLEL_HASH_MIN = 1024 * 1024
"""Hash with several threads from this many bytes on."""
ASK_FIRST_MIN = 8 * 1024 * 1024
"""On a ConditionalStorage, blobs this large are looked up before they are encoded and sent
(one round trip is cheap next to their transfer); smaller ones are sent conditionally."""
INLINE_ENCODE_FACTOR = 8
"""A blob whose logical size is at most this times `inline_max` is encoded before the lookup
(compression may bring it under the bound), so its stored form can be handed back even when
the blob was already stored."""


class PutResult(Frozen):
    """What storing a blob did: its key, its size on disk and its logical size."""

    __slots__ = ("key", "stored_size", "logical_size", "written", "inline")
    key: str
    stored_size: int
    logical_size: int
    written: bool  # False when the blob was already stored
    inline: bytes | None  # the stored form, when at most the store's `inline_max`

    def __init__(
        self,
        key: str,
        stored_size: int,
        logical_size: int,
        written: bool,
        inline: bytes | None = None,
    ) -> None:
        init(self, "key", key)
        init(self, "stored_size", stored_size)
        init(self, "logical_size", logical_size)
        init(self, "written", written)
        init(self, "inline", inline)


class BlobView:
    """The verified logical bytes of one blob, held in the buffers they were decoded into.

    ``slice`` returns a view, without copying, when the range lies within one chunk as
    written; numeric buffers written as their own chunk can therefore be used in place.
    """

    def __init__(self, key: str, parts: Sequence[memoryview]) -> None:
        self._key = key
        self._parts = list(parts)
        self._starts: list[int] = []
        position = 0
        for part in self._parts:
            self._starts.append(position)
            position += part.nbytes
        self._size = position

    @property
    def key(self) -> str:
        return self._key

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def slice(self, start: int, stop: int) -> memoryview:
        """Bytes ``start:stop`` of the blob: a view when they lie in one part, else a copy."""
        if not 0 <= start <= stop <= self._size:
            raise DataStoreError(
                f"Byte range {start}:{stop} is outside blob {self._key} of {self._size} bytes"
            )
        if start == stop:
            return memoryview(bytearray())
        index = bisect.bisect_right(self._starts, start) - 1
        offset = start - self._starts[index]
        part = self._parts[index]
        if offset + (stop - start) <= part.nbytes:
            return part[offset : offset + (stop - start)]
        out = bytearray(stop - start)
        filled = 0
        while filled < len(out):
            piece = self._parts[index][offset : offset + len(out) - filled]
            out[filled : filled + piece.nbytes] = piece
            filled += piece.nbytes
            index, offset = index + 1, 0
        return memoryview(out)

    def tobytes(self) -> bytes:
        return b"".join(self._parts)


class ContentStore:
    """Blobs by content hash over a ``BlobStorage``, with compression and verified reads.

    ``inline_max``: ``put_info`` also hands back the stored form of a blob that takes at most
    this many bytes (0: never), for the caller to keep beside its record (the metadata's inline
    blobs); ``open_inline`` reads such a copy back, checked against the key like any read.
    ``address``: where runs record their data lives (None: the metadata store's own)."""

    def __init__(
        self, storage: BlobStorage, *, inline_max: int = 0, address: str | None = None
    ) -> None:
        self._storage = storage
        self.inline_max = inline_max
        self.address = address

    @property
    def storage(self) -> BlobStorage:
        return self._storage

    def __repr__(self) -> str:
        return f"ContentStore({self._storage!r})"

    def put(self, data: Chunk) -> str:
        """Store ``data``; return its key."""
        return self.put_info([data]).key

    def put_chunks(self, chunks: Sequence[Chunk]) -> str:
        """Store the concatenation of ``chunks`` without concatenating them; return its key."""
        return self.put_info(chunks).key

    def put_info(self, chunks: Sequence[Chunk]) -> PutResult:
        """Like ``put_chunks``, but also report the stored size and whether it was written."""
        views = [_byte_view(chunk) for chunk in chunks]
        logical_size = sum(view.nbytes for view in views)
        key = _digest(views, logical_size)
        stored: list[Chunk] | None = None
        if logical_size <= INLINE_ENCODE_FACTOR * self.inline_max:  # may encode small enough
            stored = list(encode(views))
        write_new = getattr(self._storage, "write_new", None)  # ConditionalStorage
        if write_new is None or logical_size >= ASK_FIRST_MIN:
            if self._storage.exists(key):
                inline = self._inline(stored)
                size = self._storage.size(key) if inline is None else len(inline)
                return PutResult(key, size, logical_size, written=False, inline=inline)
        if stored is None:
            stored = list(encode(views))
        written = True
        if write_new is None:
            self._storage.write(key, stored)
        else:  # one request, no question first; an already stored copy (same bytes) stays
            written = write_new(key, stored)
        stored_size = sum(memoryview(chunk).nbytes for chunk in stored)
        inline = self._inline(stored) if stored_size <= self.inline_max else None
        return PutResult(key, stored_size, logical_size, written=written, inline=inline)

    def claim(self, data: Chunk) -> bool:
        """Store `data` unless it is stored already: True when this call stored it (a claim:
        of two claimers, one wins). In one step where the backend can: a local directory
        (`write_once`, a hard link), or S3, whose small puts are conditional writes already;
        elsewhere a put looks first, so two claimers at the very same moment may both win."""
        write_once = getattr(self._storage, "write_once", None)
        if write_once is None:
            return self.put_info([data]).written
        views = [_byte_view(data)]
        return bool(write_once(_digest(views, views[0].nbytes), list(encode(views))))

    def _inline(self, stored: Sequence[Chunk] | None) -> bytes | None:
        if stored is None:
            return None
        data = b"".join(memoryview(chunk) for chunk in stored)
        return data if len(data) <= self.inline_max else None

    def get(self, key: str) -> bytearray:
        """The logical bytes stored under ``key``, checked against it."""
        raw = self._storage.read(check_key(key))
        where = self._storage.locate(key)
        with memoryview(raw) as buffer:
            segments = parse_header(buffer, key, where)
            single_raw = len(segments) == 1 and segments[0].codec == RAW
            out = raw if single_raw else _join(decode(buffer, segments, key, where), raw)
        if single_raw:  # trim the read buffer in place (O(1) at the front) instead of copying
            start, length = segments[0].offset, segments[0].logical_length
            del raw[start + length :]
            del raw[:start]
        with memoryview(out) as view:
            _verify(key, where, [view], view.nbytes)
        return out

    def open(self, key: str) -> BlobView:
        """The logical bytes stored under ``key`` as a verified, mostly zero-copy view."""
        check_key(key)
        read_mapped = getattr(self._storage, "read_mapped", None)  # MappableStorage
        if read_mapped is not None:  # (a Protocol isinstance check costs ~10 ms in a fresh fork)
            raw: bytearray | mmap.mmap = read_mapped(key)
        else:
            raw = self._storage.read(key)
        where = self._storage.locate(key)
        buffer = memoryview(raw)
        parts = decode(buffer, parse_header(buffer, key, where), key, where)
        view = BlobView(key, parts)
        _verify(key, where, parts, view.size)
        return view

    @staticmethod
    def open_inline(key: str, stored: bytes, where: str) -> BlobView:
        """A blob's stored form held elsewhere (`where`, for messages: the metadata record),
        decoded and checked against ``key`` exactly as a read from storage is."""
        check_key(key)
        buffer = memoryview(stored)
        parts = decode(buffer, parse_header(buffer, key, where), key, where)
        view = BlobView(key, parts)
        _verify(key, where, parts, view.size)
        return view

    def exists(self, key: str) -> bool:
        return self._storage.exists(key)

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        return self._storage.exists_many(keys)

    def stored_size(self, key: str) -> int:
        """Bytes the blob takes in storage (after compression, with its header)."""
        return self._storage.size(key)


class StreamVerifier:
    """Checks a stored blob against its key as its bytes arrive, holding one segment at most.

    Feed the stored form (header, then payloads) in pieces of any size, then call ``finish``,
    which raises BlobCorrupted unless the logical bytes hash to ``key``. A header declaring
    more than ``max_size`` logical bytes is a BlobTooLarge before anything is decoded, so a
    small upload that would decode to gigabytes costs nothing. What was fed is not kept.
    """

    def __init__(self, key: str, where: str, *, max_size: int | None = None) -> None:
        import blake3

        self._key, self._where = check_key(key), where
        self._hasher = blake3.blake3(max_threads=blake3.blake3.AUTO if _may_use_threads() else 1)
        self._decoder = StreamDecoder(key, where, self._hasher.update, max_logical=max_size)

    @property
    def logical_size(self) -> int | None:
        """The size the header declares, once it has arrived."""
        return self._decoder.logical_size

    def feed(self, data: Chunk) -> None:
        self._decoder.feed(data)

    def finish(self) -> None:
        self._decoder.finish()
        actual = self._hasher.hexdigest()
        if actual != self._key:
            raise blob_corrupted(self._key, self._where, f"its content hashes to {actual}")


def _byte_view(chunk: Chunk) -> memoryview:
    try:
        view = memoryview(chunk)
    except TypeError as exc:
        raise DataStoreError(
            f"Blob data must be bytes-like (bytes, bytearray, memoryview), "
            f"got {type(chunk).__name__}"
        ) from exc
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


def content_key(data: bytes) -> str:
    """The key a content store keeps `data` under, without storing it."""
    return _digest([memoryview(data)], len(data))


def _digest(views: Iterable[memoryview], size: int) -> str:
    import blake3

    threads = blake3.blake3.AUTO if size >= PARALLEL_HASH_MIN and _may_use_threads() else 1
    hasher = blake3.blake3(max_threads=threads)
    for view in views:
        hasher.update(view)
    return hasher.hexdigest()


# blake3 hashes in parallel with a thread pool that lives for the whole process and does not
# survive fork(): a forked child that asks it for threads waits forever. So remember which
# process started the pool; a child forked after that hashes on one thread. This mirrors a
# process-wide fact, hence a module-level record.
_pool_owner: int | None = None


def _may_use_threads() -> bool:
    global _pool_owner
    if _pool_owner is None:
        _pool_owner = os.getpid()
    return _pool_owner == os.getpid()


def _verify(key: str, where: str, parts: Sequence[memoryview], size: int) -> None:
    actual = _digest(parts, size)
    if actual != key:
        raise blob_corrupted(key, where, f"its content hashes to {actual}")


def _join(parts: Sequence[memoryview], read: bytearray) -> bytearray:
    if len(parts) == 1:
        whole = parts[0].obj
        if isinstance(whole, bytearray) and whole is not read and len(whole) == parts[0].nbytes:
            return whole  # one decompressed chunk: already a bytearray of its own
    return bytearray().join(parts)
