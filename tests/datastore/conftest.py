"""Fixtures shared by the datastore tests: every BlobStorage implementation, and keys."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import blake3
import pytest

from flowscope.config import Settings
from flowscope.datastore import BlobStorage, ContentStore, LocalStorage, MemoryStorage, open_storage
from flowscope.datastore.encoding import encode
from flowscope.datastore.storage import Chunk


def _local(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    return LocalStorage(tmp_path / "blobs")


def _local_fsync_no_map(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    return LocalStorage(tmp_path / "blobs", fsync=True, memory_map=False)


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    return MemoryStorage()


def _overlay(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    """Writes to memory over a local store holding nothing yet (the contract's view)."""
    from flowscope.datastore.overlay import OverlayStorage

    return OverlayStorage(MemoryStorage(), LocalStorage(tmp_path / "lower"))


def _http(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    """The blob proxy of a real `flowscope service` process (tests/pg.py), emptied first."""
    pytest.importorskip("uvicorn")
    service = request.getfixturevalue("sqlite_service")
    shutil.rmtree(service.blob_root, ignore_errors=True)
    settings = Settings.from_env({"FLOWSCOPE_SERVICE_TOKEN": service.token})
    return open_storage(service.url, settings)


def _s3(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    """An S3Storage on the session's radosgw (tests/s3.py), under a prefix of its own."""
    return open_storage(request.getfixturevalue("s3_url"))


IN_PROCESS: dict[str, Callable[[pytest.FixtureRequest, Path], BlobStorage]] = {
    "local": _local,
    "local-fsync-nomap": _local_fsync_no_map,
    "memory": _memory,
    "overlay": _overlay,
}
"""The backends ContentStore's own tests run over (fast, in this process)."""

IMPLEMENTATIONS: dict[str, Callable[[pytest.FixtureRequest, Path], BlobStorage]] = {
    **IN_PROCESS,
    "http": _http,
    "s3": _s3,
}
"""Every BlobStorage the contract suite runs against; add new backends here."""


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    return IMPLEMENTATIONS[request.param](request, tmp_path)


@pytest.fixture(params=sorted(IN_PROCESS))
def in_process_storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    """Backends that store whatever they are given (the blob proxy checks uploads)."""
    return IN_PROCESS[request.param](request, tmp_path)


@pytest.fixture
def store(in_process_storage: BlobStorage) -> ContentStore:
    return ContentStore(in_process_storage)


@pytest.fixture
def local_store(tmp_path: Path) -> ContentStore:
    return ContentStore(LocalStorage(tmp_path / "blobs"))


def key_of(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def stored_blob(*parts: bytes) -> tuple[str, bytes]:
    """A blob as ContentStore stores it (header, segments) and its key: what every backend,
    the blob proxy included, accepts. Several `parts` give another valid form of their join."""
    chunks: Sequence[Chunk] = encode([memoryview(p) for p in parts])
    return key_of(b"".join(parts)), b"".join(bytes(c) for c in chunks)


def blob_files(root: Path) -> list[Path]:
    """Every file under a LocalStorage root, temporary ones included."""
    return sorted(Path(d) / f for d, _, files in os.walk(root) for f in files)
