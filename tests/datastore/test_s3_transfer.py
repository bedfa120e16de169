"""s3_transfer: multipart uploads and ranged downloads on a real S3 server (radosgw), and
the response-body helpers on their own."""

from __future__ import annotations

import io
import os

import botocore.exceptions
import pytest

from flowscope.datastore import ContentStore
from flowscope.datastore.s3 import S3Storage, parse_url
from flowscope.datastore.s3_transfer import read_into, total_size
from flowscope.errors import DataStoreError

from .conftest import stored_blob

MIB = 1024 * 1024


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.closed = False

    def iter_chunks(self, size: int):  # type: ignore[no-untyped-def]
        while piece := self._data.read(3):
            yield piece

    def close(self) -> None:
        self.closed = True


def _storage(url: str, **options: object) -> S3Storage:
    bucket, prefix = parse_url(url)
    return S3Storage(bucket, prefix, **options)  # type: ignore[arg-type]


def _record_calls(storage: S3Storage) -> list[str]:
    calls: list[str] = []
    storage.client().meta.events.register(
        "before-call.s3", lambda model, **_: calls.append(model.name)
    )
    return calls


def test_total_size_comes_from_the_content_range_or_the_length() -> None:
    assert total_size({"ContentRange": "bytes 0-99/1234", "ContentLength": 100}) == 1234
    assert total_size({"ContentLength": 42}) == 42


def test_a_body_is_read_into_its_slice_and_closed() -> None:
    out = bytearray(10)
    body = _Body(b"abcdefg")
    assert read_into(body, memoryview(out), 2, 9) == 7
    assert out == b"\0\0abcdefg\0" and body.closed


def test_a_body_longer_than_asked_is_an_error() -> None:
    with pytest.raises(DataStoreError, match="more than the 4 bytes"):
        read_into(_Body(b"abcdefg"), memoryview(bytearray(10)), 0, 4)


def test_a_body_cut_short_is_a_transient_failure() -> None:
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        read_into(_Body(b"abc"), memoryview(bytearray(10)), 0, 10)


@pytest.mark.s3
def test_a_large_blob_goes_in_parallel_parts_and_comes_back_whole(s3_url: str) -> None:
    storage = _storage(s3_url, part_size=5 * MIB, concurrency=3)
    calls = _record_calls(storage)
    data = os.urandom(12 * MIB + 7)
    key, blob = stored_blob(data)
    storage.write(key, [memoryview(blob)[:100], memoryview(blob)[100:]])
    assert calls.count("UploadPart") == 3 and calls[-1] == "CompleteMultipartUpload"
    calls.clear()
    assert storage.read(key) == blob
    assert calls == ["GetObject"] * 3  # the first part, then two ranged GETs
    assert storage.size(key) == len(blob)
    calls.clear()
    storage.write(key, [blob])  # already there: one HEAD, nothing sent
    assert calls == ["HeadObject"]
    assert ContentStore(storage).get(key) == data


@pytest.mark.s3
def test_a_failed_part_aborts_the_upload_and_leaves_nothing(s3_url: str, rgw) -> None:
    storage = _storage(s3_url, part_size=5 * MIB, concurrency=1, retry_time=0.0)
    key, blob = stored_blob(os.urandom(11 * MIB))
    sent: list[int] = []

    def refuse_second(params, **_):  # type: ignore[no-untyped-def]
        sent.append(params["PartNumber"])
        if len(sent) == 2:
            raise DataStoreError("the network went away")

    storage.client().meta.events.register("before-parameter-build.s3.UploadPart", refuse_second)
    with pytest.raises(DataStoreError, match="network went away"):
        storage.write(key, [blob])
    assert not storage.exists(key)
    prefix = storage.locate(key).split("/", 3)[3]
    uploads = rgw.client().list_multipart_uploads(Bucket=rgw.bucket, Prefix=prefix)
    assert not uploads.get("Uploads")  # aborted: its stored part is freed
