"""S3Storage on a real S3 server (radosgw, tests/s3.py): requests made, large blobs in parts,
verified reads, errors at open, bounded retries, a killed upload, fork safety. The protocol
itself is checked by test_storage_contract.py, which runs over this backend too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from flowscope.config import Settings
from flowscope.datastore import ContentStore, open_storage
from flowscope.datastore.s3 import S3Storage, parse_url
from flowscope.errors import BlobCorrupted, DataStoreError, DataStoreUnavailable

from .conftest import key_of, stored_blob

pytestmark = pytest.mark.s3
MIB = 1024 * 1024


def _storage(url: str, **options: object) -> S3Storage:
    bucket, prefix = parse_url(url)
    return S3Storage(bucket, prefix, **options)  # type: ignore[arg-type]


def _record_calls(storage: S3Storage) -> list[str]:
    calls: list[str] = []
    storage.client().meta.events.register(
        "before-call.s3", lambda model, **_: calls.append(model.name)
    )
    return calls


@pytest.mark.parametrize(
    "url, bucket, prefix",
    [
        ("s3://team-bucket", "team-bucket", ""),
        ("s3://team-bucket/", "team-bucket", ""),
        ("s3://team.bucket/flowscope/prod/", "team.bucket", "flowscope/prod"),
        ("S3://abc/x", "abc", "x"),
    ],
)
def test_addresses_parse_into_bucket_and_prefix(url: str, bucket: str, prefix: str) -> None:
    assert parse_url(url) == (bucket, prefix)


@pytest.mark.parametrize(
    "url, match",
    [
        ("s3://", "not an S3 bucket name"),
        ("s3://ab/x", "not an S3 bucket name"),
        ("s3://Team/x", "not an S3 bucket name"),
        ("s3://a..b/x", "not an S3 bucket name"),
        ("s3://bucket/a/../b", "prefix must be"),
        ("s3://bucket/a//b", "prefix must be"),
        ("s3://bucket/a b", "prefix must be"),
        ("s3://bucket/a?versionId=1", "prefix must be"),
        ("s3://bucket/a\x00", "prefix must be"),
    ],
)
def test_bad_addresses_are_refused_naming_them(url: str, match: str) -> None:
    with pytest.raises(DataStoreError, match=match):
        open_storage(url)


def test_blobs_live_under_the_prefix_by_key(s3_url: str) -> None:
    storage = open_storage(s3_url)
    key = key_of(b"x")
    assert storage.locate(key) == f"{s3_url}/blobs/{key[:2]}/{key}"


def test_a_small_blob_costs_one_request_stored_or_already_there(s3_url: str) -> None:
    storage = _storage(s3_url)
    store = ContentStore(storage)
    calls = _record_calls(storage)
    first = store.put_info([b"small value" * 10])
    assert calls == ["PutObject"] and first.written
    calls.clear()
    again = store.put_info([b"small value" * 10])
    assert calls == ["PutObject"] and not again.written  # refused by If-None-Match: *
    assert again.key == first.key and again.stored_size == first.stored_size
    calls.clear()
    assert store.get(first.key) == b"small value" * 10
    assert calls == ["GetObject"]


def test_a_corrupted_object_is_detected_and_named(s3_url: str, rgw) -> None:
    storage = _storage(s3_url)
    store = ContentStore(storage)
    key = store.put(b"precious" * 100)
    name = storage.locate(key).split("/", 3)[3]
    body = bytearray(rgw.client().get_object(Bucket=rgw.bucket, Key=name)["Body"].read())
    body[-1] ^= 0xFF
    rgw.client().put_object(Bucket=rgw.bucket, Key=name, Body=bytes(body))
    with pytest.raises(BlobCorrupted, match=f"{key}.*{s3_url}"):
        store.get(key)


def test_exists_many_checks_in_parallel(s3_url: str) -> None:
    storage = open_storage(s3_url)
    blobs = [stored_blob(str(i).encode()) for i in range(40)]
    for key, blob in blobs[:20]:
        storage.write(key, [blob])
    keys = [key for key, _ in blobs]
    assert storage.exists_many(keys + keys[:5]) == set(keys[:20])


def test_wrong_credentials_are_named_when_the_store_is_opened(
    s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(DataStoreError, match="bucket 'flowscope-test'.*refused.*AWS_ACCESS_KEY_ID"):
        open_storage(s3_url)


def test_missing_credentials_say_where_they_come_from(
    s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(DataStoreError, match="no AWS credentials.*AWS_PROFILE"):
        open_storage(s3_url)


def test_a_missing_bucket_is_named(s3_env: dict[str, str]) -> None:
    with pytest.raises(DataStoreError, match="bucket 'no-such-bucket-here'.*does not exist"):
        open_storage("s3://no-such-bucket-here/prefix")


def test_an_unreachable_endpoint_fails_fast_and_names_it(
    s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pg import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    settings = Settings.from_env({"FLOWSCOPE_DATASTORE_RETRY_TIME": "1"})
    start = time.monotonic()
    with pytest.raises(DataStoreError, match=f"flowscope-test.*{endpoint}.*AWS_ENDPOINT_URL"):
        open_storage("s3://flowscope-test/x", settings)
    assert time.monotonic() - start < 10


def test_a_worker_killed_mid_upload_leaves_no_object(s3_url: str, s3_env: dict[str, str]) -> None:
    data = os.urandom(11 * MIB)
    key, blob = stored_blob(data)
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from flowscope.datastore.s3 import S3Storage, parse_url
        storage = S3Storage(*parse_url({s3_url!r}), part_size=5 * 1024 * 1024, concurrency=1)
        def killed(**_):
            os.kill(os.getpid(), signal.SIGKILL)
        storage.client().meta.events.register("after-call.s3.UploadPart", killed)
        storage.write({key!r}, [sys.stdin.buffer.read()])
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], input=blob, capture_output=True, timeout=60
    )
    assert proc.returncode == -9, proc.stderr.decode()
    storage = open_storage(s3_url)
    assert not storage.exists(key)
    storage.write(key, [blob])  # and the next attempt stores it whole
    assert storage.read(key) == blob


def test_a_forked_child_uses_a_client_of_its_own(s3_url: str) -> None:
    storage = _storage(s3_url)
    store = ContentStore(storage)
    parent_key = store.put(b"from the parent")
    parent_client = storage.client()
    pid = os.fork()
    if pid == 0:  # child: read the parent's blob, write one, report through the exit code
        code = 1
        try:
            ok = store.get(parent_key) == b"from the parent"
            ok = ok and storage.client() is not parent_client
            store.put(b"from the child")
            code = 0 if ok else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.get(key_of(b"from the child")) == b"from the child"
    assert storage.client() is parent_client


@pytest.mark.slow
def test_a_server_that_goes_away_is_retried_for_a_bounded_time(s3_url: str, rgw) -> None:
    storage = _storage(s3_url, retry_time=2.0)
    key, blob = stored_blob(b"before")
    storage.write(key, [blob])
    rgw.stop_gateway()
    try:
        start = time.monotonic()
        with pytest.raises(DataStoreUnavailable, match=f"{s3_url}.*within 2 s.*resume"):
            away, away_blob = stored_blob(b"while away")
            storage.write(away, [away_blob])
        assert 1.0 < time.monotonic() - start < 10
    finally:
        rgw.start_gateway()
    assert storage.read(key) == blob  # back: the same storage works again


def test_reads_go_through_the_local_cache_unless_it_is_off(
    s3_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowscope.datastore.cache import CachedStorage

    monkeypatch.setenv("FLOWSCOPE_BLOB_CACHE", str(tmp_path / "cache"))
    cached = open_storage(s3_url)
    assert isinstance(cached, CachedStorage) and isinstance(cached.remote, S3Storage)
    store = ContentStore(cached)
    key = store.put(b"read me twice" * 100)
    calls = _record_calls(cached.remote)
    assert store.get(key) == b"read me twice" * 100
    assert store.get(key) == b"read me twice" * 100
    assert calls == ["GetObject"]  # the second read came from tmp_path/cache
    assert any((tmp_path / "cache").rglob(key))
    monkeypatch.setenv("FLOWSCOPE_BLOB_CACHE_MB", "0")
    assert isinstance(open_storage(s3_url), S3Storage)


def test_read_many_gets_blobs_in_parallel_and_skips_missing_ones(s3_url: str) -> None:
    storage = _storage(s3_url)
    blobs = [stored_blob(f"value {i}".encode() * 20) for i in range(30)]
    for key, blob in blobs[:25]:
        storage.write(key, [blob])
    calls = _record_calls(storage)
    keys = [key for key, _ in blobs]
    found = storage.read_many(keys + keys[:3])
    assert found == {key: bytearray(blob) for key, blob in blobs[:25]}
    assert calls.count("GetObject") == 30  # one each, the repeats asked once


def test_a_reader_opens_the_bucket_at_its_first_blob(s3_url: str) -> None:
    from flowscope.datastore.lazy import LazyStorage

    store = ContentStore(open_storage(s3_url))
    key = store.put(b"lazy read")
    reader = open_storage(s3_url, lazy=True)
    lazy = reader.remote  # type: ignore[attr-defined]  # the cache is above it
    assert isinstance(lazy, LazyStorage) and not lazy.opened
    assert ContentStore(reader).get(key) == b"lazy read" and lazy.opened
    again = open_storage(s3_url, lazy=True)  # a new reader: the blob is in the cache now
    assert ContentStore(again).get(key) == b"lazy read"
    assert not again.remote.opened  # type: ignore[attr-defined]  # no boto3, no request
    missing = open_storage("s3://no-such-bucket-flowscope/x", lazy=True)  # no request yet
    with pytest.raises(DataStoreError, match="no-such-bucket-flowscope.*does not exist"):
        ContentStore(missing).get("f" * 64)  # not cached: the bucket is checked now
