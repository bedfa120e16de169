"""Part plans and the zero-copy part reader used by the S3 backend."""

from __future__ import annotations

import io

import pytest

from flowscope.datastore.s3_parts import (
    MAX_PARTS,
    MIN_PART,
    PartReader,
    byte_views,
    part_size_for,
    ranges,
    slice_views,
)

MIB = 1024 * 1024


def test_part_size_stays_preferred_until_the_part_count_limit() -> None:
    assert part_size_for(100 * MIB, 16 * MIB) == 16 * MIB
    assert part_size_for(10, 1) == MIN_PART
    huge = 16 * MIB * MAX_PARTS * 3
    part = part_size_for(huge, 16 * MIB)
    assert part % MIB == 0 and -(-huge // part) <= MAX_PARTS and part > 16 * MIB


def test_ranges_cover_every_byte_once() -> None:
    assert ranges(0, 5) == [(0, 0)]
    assert ranges(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert ranges(8, 4) == [(0, 4), (4, 8)]


def test_slices_straddle_chunks_without_copying() -> None:
    data = [bytearray(b"abc"), bytearray(b"defg"), bytearray(b"h")]
    views = byte_views(data)
    pieces = slice_views(views, 2, 6)
    assert b"".join(bytes(p) for p in pieces) == b"cdef"
    data[0][2] = ord("C")  # views, not copies
    assert bytes(pieces[0]) == b"C"
    assert slice_views(views, 8, 8) == []


@pytest.mark.parametrize("size", [1, 3, 5, 1000])
def test_the_reader_reads_seeks_and_rereads(size: int) -> None:
    blob = bytes(range(256)) * 7
    views = byte_views([blob[:100], blob[100:101], blob[101:]])
    reader = PartReader(slice_views(views, 50, 1500))
    assert len(reader) == 1450 and reader.seekable() and reader.readable()
    out = bytearray()
    while piece := reader.read(size):
        out += piece
    assert bytes(out) == blob[50:1500]
    assert reader.tell() == 1450
    assert reader.seek(0) == 0 and reader.read() == blob[50:1500]
    assert reader.seek(-10, io.SEEK_END) == 1440 and reader.read() == blob[1490:1500]
    reader.seek(5)
    assert reader.seek(5, io.SEEK_CUR) == 10 and reader.read(3) == blob[60:63]


def test_non_byte_buffers_are_read_as_bytes() -> None:
    import array

    numbers = array.array("i", [1, 2, 3])
    (view,) = byte_views([numbers])
    assert view.nbytes == 12 and PartReader([view]).read() == numbers.tobytes()
