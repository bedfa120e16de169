"""The blob proxy of a real `flowscope service` process under hostile and unlucky uploads:
a decompression bomb (12 MiB on the wire, 3 GiB decoded, honest key), a large compressible
artifact (verified with bounded memory), a 404 that must not name server paths, and a full
disk behind the service (507 naming the blob, and the artifact on the client)."""

from __future__ import annotations

import errno
import http.client
import json
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import blake3
import lz4.block
import pytest

from flowscope.datastore import ContentStore, LocalStorage, MemoryStorage, local as local_storage
from flowscope.datastore.artifacts import save_artifacts
from flowscope.datastore.encoding import LZ4, MAGIC
from flowscope.datastore.http import HttpBlobStorage
from flowscope.errors import DataStoreError
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.migrations import migrate
from flowscope.metastore.store import SqlMetadataStore
from flowscope.remote.transport import HttpTransport
from flowscope.service.app import create_app
from pg import ServiceFactory, ServiceProcess, free_port

pytestmark = pytest.mark.service

MiB = 1024 * 1024


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def put(service: ServiceProcess, key: str, body: bytes, timeout: float = 60) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=timeout)
    try:
        conn.request(
            "PUT",
            f"/api/v1/blobs/{key}",
            body=body,
            headers={
                "Authorization": f"Bearer {service.token}",
                "Content-Type": "application/octet-stream",
            },
        )
        resp = conn.getresponse()
        data = resp.read()
        assert resp.getheader("content-type", "").startswith("application/json"), data[:200]
        return resp.status, json.loads(data)
    finally:
        conn.close()


def get(service: ServiceProcess, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=20)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {service.token}"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture
def service(service_factory: ServiceFactory, tmp_path: Path) -> ServiceProcess:
    """A fresh service (its own peak memory) over SQLite, with default limits."""
    return service_factory(str(tmp_path / "metadata.db"), str(tmp_path / "blobs"))


def zero_bomb(segments: int, segment_size: int = 64 * MiB) -> tuple[str, bytes]:
    """A well-formed stored blob of `segments` lz4 segments of zeros, and its honest key."""
    payload = lz4.block.compress(bytes(segment_size), store_size=False)
    head = struct.pack("<4sI", MAGIC, segments)
    offset = len(head) + 25 * segments
    entries = b""
    for _ in range(segments):
        entries += struct.pack("<BQQQ", LZ4, offset, len(payload), segment_size)
        offset += len(payload)
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    zeros = bytes(segment_size)
    for _ in range(segments):
        hasher.update(zeros)
    return hasher.hexdigest(), head + entries + payload * segments


def test_a_decompression_bomb_is_refused_fast_with_little_memory(service: ServiceProcess) -> None:
    key, stored = zero_bomb(48)  # 3 GiB of zeros in 12 MiB
    assert 11 * MiB < len(stored) < 13 * MiB
    assert service.proc is not None
    before = peak_rss_mib(service.proc.pid)
    start = time.monotonic()
    status, body = put(service, key, stored)
    elapsed = time.monotonic() - start
    assert status == 413, body
    assert body["error"]["type"] == "PayloadTooLarge"
    assert "decod" in body["error"]["message"] and "--max-blob-decoded-mb" in str(body)
    assert elapsed < 3.0, elapsed
    assert peak_rss_mib(service.proc.pid) - before < 150, "the bomb was decoded in memory"
    assert get(service, f"/api/v1/blobs/{key}")[0] == 404  # nothing was stored


def test_a_large_compressible_artifact_is_verified_with_bounded_memory(
    service: ServiceProcess, tmp_path: Path
) -> None:
    value = bytes(range(256)) * (3 * MiB)  # 768 MiB that lz4 shrinks to ~3 MiB
    stored = ContentStore(LocalStorage(tmp_path / "client"))
    key = stored.put(value)
    wire = stored.storage.read(key)
    assert len(wire) < 8 * MiB
    del value
    assert service.proc is not None
    before = peak_rss_mib(service.proc.pid)
    status, body = put(service, key, bytes(wire))
    assert (status, body) == (201, {"key": key, "written": True})
    # the old check decoded the whole blob in memory (768 MiB and a copy); a stream needs a
    # segment at a time
    assert peak_rss_mib(service.proc.pid) - before < 120
    assert put(service, key, bytes(wire))[0] == 200  # already stored: not verified again


def test_a_corrupted_upload_is_refused_and_not_stored(service: ServiceProcess) -> None:
    key, stored = zero_bomb(2, segment_size=4 * MiB)
    damaged = bytearray(stored)
    damaged[-10] ^= 0xFF
    status, body = put(service, key, bytes(damaged))
    assert status == 400 and body["error"]["type"] == "BlobCorrupted", body
    assert key in body["error"]["message"]
    status, body = put(service, "0" * 64, stored)
    assert status == 400 and body["error"]["type"] == "BlobCorrupted", body
    assert get(service, f"/api/v1/blobs/{'0' * 64}")[0] == 404
    assert put(service, key, stored)[0] == 201


def test_a_missing_blob_404_does_not_name_server_paths(service: ServiceProcess) -> None:
    status, body = get(service, f"/api/v1/blobs/{'ab' * 32}")
    assert status == 404
    error = json.loads(body)["error"]
    assert error["type"] == "BlobNotFound" and "ab" * 32 in error["message"]
    for secret in (service.blob_root, os.path.dirname(service.blob_root), "/tmp", "/"):
        assert secret not in error["message"], error


# ---- a full disk behind the service (in process: the OS error is raised where it would be) --
@contextmanager
def serve(app: Any) -> Iterator[str]:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_full_disk_behind_the_service_names_the_blob_and_the_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    store = SqlMetadataStore(db)
    blobs = tmp_path / "blobs"
    app = create_app(store, blobs=LocalStorage(blobs), token="t" * 20, close_store=False)

    def full(fd: int, chunks: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(local_storage, "_write_all", full)
    try:
        with serve(app) as url:
            blob_proxy = HttpBlobStorage(HttpTransport(url, token="t" * 20, write_timeout=5))
            with pytest.raises(DataStoreError) as info:
                save_artifacts(ContentStore(blob_proxy), {"model": b"weights" * 1000})
            message = str(info.value)
            assert "Cannot store artifact 'model'" in message
            assert "disk is full" in message and "507" not in message.split(":")[0]
            assert str(blobs) not in message and str(tmp_path) not in message
            value = {"model": b"weights" * 1000}
            assert save_artifacts(ContentStore(MemoryStorage()), value)["model"].sha in message
            blob_proxy.close()
    finally:
        store.close()


def test_a_full_metadata_disk_behind_the_service_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from flowscope.errors import MetadataError
    from flowscope.metastore.new_records import NewRun

    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    store = SqlMetadataStore(db)
    run = store.create_run(NewRun("F", "alice"))

    def full(*args: Any) -> None:
        cause = sqlite3.OperationalError("database or disk is full")
        cause.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
        raise MetadataError(f"The metadata database {tmp_path} refused a write: {cause}") from cause

    monkeypatch.setattr(store, "finish_run", full)
    try:
        with serve(create_app(store, close_store=False)) as url:
            provider = HttpMetadataProvider(url, timeout=5, write_timeout=5)
            with pytest.raises(MetadataError) as info:
                provider.finish_run("F", run.run_id, "succeeded")
            assert "507" in str(info.value) and "disk is full" in str(info.value)
            assert str(tmp_path) not in str(info.value)
            provider.close()
    finally:
        store.close()
