"""The stored form: header, segments, compression decisions, and malformed input."""

from __future__ import annotations

import os
import struct

import pytest

from flowscope.datastore import encoding
from flowscope.datastore.encoding import LZ4, RAW, decode, encode, parse_header
from flowscope.errors import BlobCorrupted, DataStoreError

KEY = "0" * 64


def _roundtrip(chunks: list[bytes]) -> tuple[bytes, list[encoding.Segment], list[memoryview]]:
    stored = b"".join(encode([memoryview(c) for c in chunks]))
    view = memoryview(stored)
    segments = parse_header(view, KEY, "here")
    return stored, segments, decode(view, segments, KEY, "here")


def test_the_header_starts_with_magic_and_version() -> None:
    stored, _segments, parts = _roundtrip([b"hello"])
    assert stored[:4] == b"FSB\x01"
    assert struct.unpack_from("<I", stored, 4) == (1,)
    assert [bytes(p) for p in parts] == [b"hello"]
    assert len(stored) == 8 + 25 + 5


def test_empty_input_has_no_segments() -> None:
    stored, segments, parts = _roundtrip([b"", b""])
    assert segments == [] and parts == [] and len(stored) == 8


def test_small_chunks_stay_raw_even_if_compressible() -> None:
    _, segments, _ = _roundtrip([b"a" * 500])
    assert [s.codec for s in segments] == [RAW]


def test_compressible_chunks_are_compressed_per_block() -> None:
    data = b"abcd" * (encoding.BLOCK_SIZE // 2)  # two blocks
    stored, segments, parts = _roundtrip([data])
    assert [(s.codec, s.continues) for s in segments] == [(LZ4, False), (LZ4, True)]
    assert len(stored) < len(data) // 50
    assert [bytes(p) for p in parts] == [data]


def test_random_data_is_stored_raw_as_one_aligned_segment() -> None:
    data = os.urandom(encoding.BLOCK_SIZE * 2 + 12345)
    stored, segments, parts = _roundtrip([b"x" * 10, data])
    assert [s.codec for s in segments] == [RAW, RAW]
    assert segments[1].offset % encoding.ALIGNMENT == 0
    assert len(stored) < len(data) + 200
    assert parts[1].obj is not None and bytes(parts[1]) == data


def test_mixed_blocks_keep_one_buffer_per_chunk() -> None:
    random_block = os.urandom(encoding.BLOCK_SIZE)
    data = random_block + b"z" * encoding.BLOCK_SIZE + random_block
    _, segments, parts = _roundtrip([data, b"tail" * 1000])
    assert [(s.codec, s.continues) for s in segments] == [
        (RAW, False),
        (LZ4, True),
        (RAW, True),
        (LZ4, False),
    ]
    assert [bytes(p) for p in parts] == [data, b"tail" * 1000]


def test_a_block_compressible_only_at_its_samples_is_kept_raw() -> None:
    block = bytearray(os.urandom(encoding.BLOCK_SIZE))
    size, sample = len(block), encoding.SAMPLE_SIZE
    for start in (0, (size - sample) // 2, size - sample):
        block[start : start + sample] = bytes(sample)
    _, segments, _ = _roundtrip([bytes(block)])
    assert [s.codec for s in segments] == [RAW]


def _corrupt(stored: bytes, offset: int, value: bytes) -> memoryview:
    data = bytearray(stored)
    data[offset : offset + len(value)] = value
    return memoryview(data)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda s: memoryview(s[:5]), "too short"),
        (lambda s: _corrupt(s, 0, b"XXXX"), "not a flowscope blob header"),
        (lambda s: _corrupt(s, 4, struct.pack("<I", 1000)), "cut short"),
        (lambda s: _corrupt(s, 8, b"\x05"), "unknown flags"),
        (lambda s: _corrupt(s, 8, b"\x80"), "continues a chunk"),
        (lambda s: _corrupt(s, 9, struct.pack("<Q", 10**9)), "outside the blob"),
        (lambda s: _corrupt(s, 25, struct.pack("<Q", 6)), "logical and stored lengths differ"),
        (lambda s: memoryview(s + b"junk"), "unexpected bytes"),
    ],
)
def test_malformed_headers_are_reported_as_corrupted(damage: object, message: str) -> None:
    stored = b"".join(encode([memoryview(b"payload")]))
    with pytest.raises(BlobCorrupted, match=message):
        parse_header(damage(stored), KEY, "here")  # type: ignore[operator]


def test_an_impossible_decompressed_length_is_refused_before_allocating() -> None:
    stored = bytearray(b"".join(encode([memoryview(b"q" * 100_000)])))
    assert stored[8] == LZ4
    struct.pack_into("<Q", stored, 8 + 17, 2**60)
    with pytest.raises(BlobCorrupted, match="impossible decompressed length"):
        parse_header(memoryview(stored), KEY, "here")


def test_a_damaged_compressed_payload_is_reported() -> None:
    stored = bytearray(b"".join(encode([memoryview(b"q" * 100_000)])))
    stored[-30:] = bytes(30)
    view = memoryview(stored)
    with pytest.raises(BlobCorrupted):
        decode(view, parse_header(view, KEY, "here"), KEY, "here")


def test_a_newer_format_version_asks_for_an_upgrade() -> None:
    stored = bytearray(b"".join(encode([memoryview(b"x")])))
    stored[3] = 9
    with pytest.raises(DataStoreError, match="format version 9.*Upgrade flowscope") as info:
        parse_header(memoryview(stored), KEY, "here")
    assert not isinstance(info.value, BlobCorrupted)
