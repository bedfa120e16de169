"""The stored form of a blob: a small header, then segments, each raw or lz4-compressed.

Layout (all integers little-endian)::

    0   magic b"FSB" and the format version (1)
    4   uint32  number of segments n
    8   n entries of 25 bytes: uint8 flags, uint64 offset, uint64 stored length,
        uint64 logical length
    ... the segment payloads, at the offsets the entries give

Flags: the low four bits are the codec (0 raw, 1 lz4 block); bit 7 is set when a segment
continues the chunk of the segment before it. The logical bytes of the blob are its decoded
segments in order, and each chunk the writer passed in decodes to one contiguous buffer, so
a reader can hand out a raw chunk as a view of the bytes it read, without copying.

The writer splits each chunk into blocks of ``BLOCK_SIZE`` and compresses a block only where
that pays: chunks under ``SMALL_SIZE`` stay raw, and for larger blocks a few spread samples
are compressed first, so incompressible data (random floats, compressed images) costs almost
nothing. Adjacent raw blocks of a chunk are written as one segment, and raw segments of 4 KiB
or more start on a 64-byte boundary, so numeric buffers read from them are aligned.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence

from flowscope.datastore.keys import blob_corrupted
from flowscope.datastore.storage import Chunk
from flowscope.errors import BlobTooLarge, DataStoreError
from flowscope.frozen import Frozen, init

FORMAT_VERSION = 1
MAGIC = b"FSB" + bytes([FORMAT_VERSION])
RAW = 0
LZ4 = 1
CONTINUES = 0x80

BLOCK_SIZE = 4 * 1024 * 1024
SMALL_SIZE = 512
MAX_RATIO = 0.5
"""A block is kept compressed only if that at least halves it. A raw block is read with one
copy, or none when the blob is memory-mapped, while lz4 decodes at 2-4 GB/s into fresh memory:
compression that saves less costs every load more time than it saves disk."""
SAMPLE_SIZE = 16 * 1024
WHOLE_PROBE_SIZE = 64 * 1024  # blocks up to this size are compressed whole to decide
ALIGNMENT = 64
ALIGN_MIN_SIZE = 4096
_LZ4_MAX_EXPANSION = 255  # lz4 cannot inflate more than this factor (plus a few bytes)
_UNBOUNDED = 2**64  # the length of a stream not yet read to its end

_HEAD = struct.Struct("<4sI")
_ENTRY = struct.Struct("<BQQQ")


class Segment(Frozen):
    """One entry of the header: where a segment's payload is and how to decode it."""

    __slots__ = ("codec", "continues", "offset", "stored_length", "logical_length")
    codec: int
    continues: bool
    offset: int
    stored_length: int
    logical_length: int

    def __init__(
        self,
        codec: int,
        continues: bool,
        offset: int,
        stored_length: int,
        logical_length: int,
    ) -> None:
        init(self, "codec", codec)
        init(self, "continues", continues)
        init(self, "offset", offset)
        init(self, "stored_length", stored_length)
        init(self, "logical_length", logical_length)


class _Planned(Frozen):
    __slots__ = ("codec", "continues", "payload", "logical_length")
    codec: int
    continues: bool
    payload: Chunk
    logical_length: int

    def __init__(self, codec: int, continues: bool, payload: Chunk, logical_length: int) -> None:
        init(self, "codec", codec)
        init(self, "continues", continues)
        init(self, "payload", payload)
        init(self, "logical_length", logical_length)


def encode(chunks: Sequence[memoryview]) -> list[Chunk]:
    """The stored form of the concatenation of ``chunks`` (byte views), as a list of chunks."""
    planned = [segment for chunk in chunks for segment in _plan_chunk(chunk)]
    header_length = _HEAD.size + _ENTRY.size * len(planned)
    entries: list[bytes] = []
    body: list[Chunk] = []
    offset = header_length
    for segment in planned:
        stored = len(segment.payload)
        if segment.codec == RAW and stored >= ALIGN_MIN_SIZE:
            padding = -offset % ALIGNMENT
            if padding:
                body.append(bytes(padding))
                offset += padding
        flags = segment.codec | (CONTINUES if segment.continues else 0)
        entries.append(_ENTRY.pack(flags, offset, stored, segment.logical_length))
        body.append(segment.payload)
        offset += stored
    header = _HEAD.pack(MAGIC, len(planned)) + b"".join(entries)
    return [header, *body]


def parse_header(buffer: memoryview, key: str, where: str) -> list[Segment]:
    """The segments a stored blob declares, checked for consistency with its length."""
    total = buffer.nbytes
    if total < _HEAD.size:
        raise blob_corrupted(key, where, f"only {total} bytes, too short for a header")
    count = _check_head(buffer, key, where)
    end = _HEAD.size + _ENTRY.size * count
    if end > total:
        raise blob_corrupted(key, where, f"the header lists {count} segments but is cut short")
    segments = list(_entries(buffer, count, key, where, total))
    if segments:
        end = segments[-1].offset + segments[-1].stored_length
    if end != total:
        raise blob_corrupted(key, where, f"{total - end} unexpected bytes after the last segment")
    return segments


def decode(
    buffer: memoryview, segments: Sequence[Segment], key: str, where: str
) -> list[memoryview]:
    """The logical bytes, one buffer per chunk; a raw one-segment chunk is a view of ``buffer``."""
    groups: list[memoryview] = []
    index = 0
    while index < len(segments):
        stop = index + 1
        while stop < len(segments) and segments[stop].continues:
            stop += 1
        run = segments[index:stop]
        if len(run) == 1:
            groups.append(_decode_one(buffer, run[0], key, where))
        else:
            out = bytearray(sum(segment.logical_length for segment in run))
            position = 0
            with memoryview(out) as view:
                for segment in run:
                    end = position + segment.logical_length
                    view[position:end] = _decode_one(buffer, segment, key, where)
                    position = end
            groups.append(memoryview(out))
        index = stop
    return groups


class StreamDecoder:
    """Decodes a stored blob fed in pieces of any size, holding at most one segment.

    ``feed`` takes the next stored bytes and hands the logical bytes to ``sink`` in order as
    soon as they can be decoded: a raw payload as it arrives, an lz4 segment once its payload
    is whole (at most 64 MiB decoded). Once the header is in, ``logical_size`` is the size it
    declares; above ``max_logical`` that is a BlobTooLarge before anything is decoded.
    ``finish`` checks that the stream ended exactly where the last segment does.
    """

    def __init__(
        self,
        key: str,
        where: str,
        sink: Callable[[memoryview], object],
        *,
        max_logical: int | None = None,
    ) -> None:
        self._key, self._where, self._sink = key, where, sink
        self._max_logical = max_logical
        self._pending = bytearray()
        self._position = 0  # offset in the stored blob of the first pending byte
        self._header: bytes | None = None
        self._count = 0
        self._index = 0  # the segment being read
        self._taken = 0  # bytes of a raw segment already handed out
        self.logical_size: int | None = None

    def feed(self, data: Chunk) -> None:
        self._pending += data
        if self._header is None and not self._read_header():
            return
        self._drain()
        if self._index == self._count and self._pending:
            raise self._corrupted(f"{len(self._pending)} unexpected bytes after the last segment")

    def finish(self) -> None:
        if self._header is None:
            if len(self._pending) < _HEAD.size:
                raise self._corrupted(f"only {len(self._pending)} bytes, too short for a header")
            count = _check_head(self._pending, self._key, self._where)
            raise self._corrupted(f"the header lists {count} segments but is cut short")
        if self._index < self._count:
            raise self._corrupted(f"it ends inside segment {self._index} of {self._count}")

    def _corrupted(self, detail: str) -> DataStoreError:
        return blob_corrupted(self._key, self._where, detail)

    def _read_header(self) -> bool:
        pending = self._pending
        if len(pending) < _HEAD.size:
            return False
        count = _check_head(pending, self._key, self._where)
        end = _HEAD.size + _ENTRY.size * count
        if len(pending) < end:
            return False
        header = bytes(pending[:end])
        logical = 0
        for segment in _entries(header, count, self._key, self._where, _UNBOUNDED):
            logical += segment.logical_length
        if self._max_logical is not None and logical > self._max_logical:
            raise BlobTooLarge(
                f"Blob {self._key} in {self._where} decodes to {logical} bytes, more than the "
                f"limit of {self._max_logical} bytes."
            )
        self._header, self._count, self.logical_size = header, count, logical
        del pending[:end]
        self._position = end
        return True

    def _drain(self) -> None:
        assert self._header is not None
        pending = self._pending
        while self._index < self._count:
            flags, offset, stored, logical = _ENTRY.unpack_from(
                self._header, _HEAD.size + self._index * _ENTRY.size
            )
            padding = min(offset - self._position, len(pending)) if not self._taken else 0
            if padding > 0:
                del pending[:padding]
                self._position += padding
            if self._position < offset:
                return
            if flags & 0x0F == RAW:
                count = min(stored - self._taken, len(pending))
                if count:
                    with memoryview(pending) as view, view[:count] as piece:
                        self._sink(piece)
                    del pending[:count]
                    self._position += count
                    self._taken += count
                if self._taken < stored:
                    return
            else:
                if len(pending) < stored:
                    return
                segment = Segment(LZ4, False, 0, stored, logical)
                with memoryview(pending) as view:
                    decoded = _decode_one(view, segment, self._key, self._where)
                self._sink(decoded)
                decoded.release()
                del pending[:stored]
                self._position += stored
            self._index += 1
            self._taken = 0


def _plan_chunk(chunk: memoryview) -> list[_Planned]:
    size = chunk.nbytes
    if size == 0:
        return []
    if size < SMALL_SIZE:
        return [_Planned(RAW, False, chunk, size)]
    planned: list[_Planned] = []
    raw_start: int | None = None  # start of the current run of raw blocks

    def close_raw_run(stop: int) -> None:
        nonlocal raw_start
        if raw_start is not None:
            planned.append(_Planned(RAW, bool(planned), chunk[raw_start:stop], stop - raw_start))
            raw_start = None

    for start in range(0, size, BLOCK_SIZE):
        block = chunk[start : start + BLOCK_SIZE]
        packed = _compress_if_it_pays(block)
        if packed is None:
            if raw_start is None:
                raw_start = start
            continue
        close_raw_run(start)
        planned.append(_Planned(LZ4, bool(planned), packed, block.nbytes))
    close_raw_run(size)
    return planned


def _compress_if_it_pays(block: memoryview) -> bytes | None:
    size = block.nbytes
    if size > WHOLE_PROBE_SIZE:
        starts = (0, (size - SAMPLE_SIZE) // 2, size - SAMPLE_SIZE)
        sampled = sum(len(_lz4_compress(block[a : a + SAMPLE_SIZE])) for a in starts)
        if sampled > MAX_RATIO * SAMPLE_SIZE * len(starts):
            return None
    packed = _lz4_compress(block)
    return packed if len(packed) <= MAX_RATIO * size else None


def _check_segment(segment: Segment, flags: int, index: int, start: int, total: int) -> str:
    if flags & 0x70 or segment.codec not in (RAW, LZ4):
        return f"has unknown flags {flags:#x}"
    if segment.continues and index == 0:
        return "continues a chunk, but there is none before it"
    if segment.offset < start or segment.offset + segment.stored_length > total:
        return "lies outside the blob or overlaps another segment"
    if segment.codec == RAW and segment.logical_length != segment.stored_length:
        return "is raw, but its logical and stored lengths differ"
    if segment.codec == LZ4 and not (
        0 < segment.logical_length <= segment.stored_length * _LZ4_MAX_EXPANSION + 64
        and segment.logical_length <= BLOCK_SIZE * 16
    ):
        return f"claims an impossible decompressed length {segment.logical_length}"
    if segment.codec == LZ4 and segment.stored_length > _lz4_bound(segment.logical_length):
        return "is larger than lz4 could ever make its decompressed length"
    return ""


def _lz4_bound(length: int) -> int:
    """The most bytes lz4 can compress ``length`` bytes into (LZ4_compressBound)."""
    return length + length // 255 + 16


def _check_head(buffer: Chunk, key: str, where: str) -> int:
    """The segment count of a header whose first 8 bytes are in ``buffer``."""
    magic, count = _HEAD.unpack_from(buffer, 0)
    if magic != MAGIC:
        if magic[:3] == MAGIC[:3] and magic[3] > FORMAT_VERSION:
            raise DataStoreError(
                f"Blob {key} in {where} uses storage format version {magic[3]}, which this "
                "version of flowscope cannot read. Upgrade flowscope to read it."
            )
        raise blob_corrupted(key, where, "the header is not a flowscope blob header")
    return int(count)


def _entries(buffer: Chunk, count: int, key: str, where: str, total: int) -> Iterator[Segment]:
    """The ``count`` checked entries of a complete header (``total``: the blob's length)."""
    end = _HEAD.size + _ENTRY.size * count
    for index in range(count):
        flags, offset, stored, logical = _ENTRY.unpack_from(
            buffer, _HEAD.size + index * _ENTRY.size
        )
        segment = Segment(flags & 0x0F, bool(flags & CONTINUES), offset, stored, logical)
        problem = _check_segment(segment, flags, index, end, total)
        if problem:
            raise blob_corrupted(key, where, f"segment {index} {problem}")
        end = offset + stored
        yield segment


def _decode_one(buffer: memoryview, segment: Segment, key: str, where: str) -> memoryview:
    payload = buffer[segment.offset : segment.offset + segment.stored_length]
    if segment.codec == RAW:
        return payload
    import lz4.block  # type: ignore[import-untyped]

    try:
        out = lz4.block.decompress(
            payload, uncompressed_size=segment.logical_length, return_bytearray=True
        )
    except lz4.block.LZ4BlockError as exc:
        raise blob_corrupted(key, where, f"a compressed segment does not decode: {exc}") from exc
    if len(out) != segment.logical_length:
        raise blob_corrupted(key, where, "a compressed segment decodes to the wrong length")
    return memoryview(out)


def _lz4_compress(data: memoryview) -> bytes:
    import lz4.block

    packed: bytes = lz4.block.compress(data, store_size=False)
    return packed
