"""Streaming verification of a stored form (encoding.StreamDecoder, cas.StreamVerifier): the
same verdicts as a whole-blob read, for the stored bytes split anywhere."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from flowscope.datastore import ContentStore, MemoryStorage
from flowscope.datastore.cas import StreamVerifier
from flowscope.datastore.encoding import StreamDecoder
from flowscope.errors import BlobCorrupted, BlobTooLarge, DataStoreError

MiB = 1024 * 1024


def stored_form(chunks: list[bytes]) -> tuple[str, bytes]:
    storage = MemoryStorage()
    key = ContentStore(storage).put_chunks(chunks)
    return key, bytes(storage.read(key))


def feed_split(verifier: StreamVerifier, data: bytes, cuts: list[int]) -> None:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for start, stop in zip(points, points[1:], strict=False):
        verifier.feed(data[start:stop])
    verifier.finish()


VALUES = [
    [b""],
    [b"small"],
    [b"a" * 600, os.urandom(5000)],
    [bytes(range(256)) * 40_000, b"tail" * 3000],  # 10 MB: compressed 4 MiB blocks
    [os.urandom(70_000), bytes(9 * MiB)],
]


@pytest.mark.parametrize("which", range(len(VALUES)))
@given(cuts=st.lists(st.integers(min_value=0), max_size=12))
@settings(max_examples=15, deadline=None)
def test_any_split_of_a_sound_blob_verifies(which: int, cuts: list[int]) -> None:
    chunks = VALUES[which]
    key, data = stored_form(chunks)
    verifier = StreamVerifier(key, "here")
    feed_split(verifier, data, cuts)
    assert verifier.logical_size == sum(map(len, chunks))


def test_the_logical_bytes_come_out_in_order() -> None:
    chunks = [os.urandom(3000), bytes(5 * MiB), b"xyz" * 1000]
    _, data = stored_form(chunks)
    out = bytearray()
    decoder = StreamDecoder("0" * 64, "here", out.extend)
    for i in range(0, len(data), 777):
        decoder.feed(data[i : i + 777])
    decoder.finish()
    assert bytes(out) == b"".join(chunks)


@given(position=st.integers(min_value=0), cuts=st.lists(st.integers(min_value=0), max_size=4))
@settings(max_examples=60, deadline=None)
def test_any_flipped_byte_is_refused_unless_it_decodes_to_the_same_content(
    position: int, cuts: list[int]
) -> None:
    chunks = [b"a" * 600, bytes(range(256)) * 300, os.urandom(900)]
    key, data = stored_form(chunks)
    damaged = bytearray(data)
    damaged[position % len(data)] ^= 0x01
    try:
        feed_split(StreamVerifier(key, "here"), bytes(damaged), cuts)
    except DataStoreError:  # BlobCorrupted, or an unknown format version
        return
    # Accepted: only right if the damage decodes to the very same bytes (in periodic data an lz4
    # back-reference whose offset moves by a whole period copies the same bytes), which is
    # what the content hash vouches for.
    out = bytearray()
    decoder = StreamDecoder("0" * 64, "here", out.extend)
    decoder.feed(bytes(damaged))
    decoder.finish()
    assert bytes(out) == b"".join(chunks)


@pytest.mark.parametrize("cut", [0, 3, 8, 20, -1])
def test_a_truncated_stream_is_refused(cut: int) -> None:
    key, data = stored_form([b"a" * 600, os.urandom(900)])
    verifier = StreamVerifier(key, "the upload")
    verifier.feed(data[:cut])
    with pytest.raises(BlobCorrupted, match="the upload"):
        verifier.finish()


def test_extra_bytes_are_refused_as_they_arrive() -> None:
    key, data = stored_form([b"hello"])
    with pytest.raises(BlobCorrupted, match="unexpected bytes"):
        StreamVerifier(key, "here").feed(data + b"!")


def test_a_declared_size_above_the_limit_is_refused_before_decoding() -> None:
    key, data = stored_form([bytes(8 * MiB)])
    verifier = StreamVerifier(key, "here", max_size=8 * MiB - 1)
    with pytest.raises(BlobTooLarge, match=str(8 * MiB)):
        verifier.feed(data[:200])  # the header alone
    ok = StreamVerifier(key, "here", max_size=8 * MiB)
    ok.feed(data)
    ok.finish()
