"""Fixtures shared by the datastore tests: every BlobStorage implementation, and keys."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import blake3
import pytest

from flowscope.datastore import BlobStorage, ContentStore, LocalStorage, MemoryStorage


def _local(tmp_path: Path) -> BlobStorage:
    return LocalStorage(tmp_path / "blobs")


def _local_fsync_no_map(tmp_path: Path) -> BlobStorage:
    return LocalStorage(tmp_path / "blobs", fsync=True, memory_map=False)


def _memory(tmp_path: Path) -> BlobStorage:
    return MemoryStorage()


IMPLEMENTATIONS: dict[str, Callable[[Path], BlobStorage]] = {
    "local": _local,
    "local-fsync-nomap": _local_fsync_no_map,
    "memory": _memory,
}
"""Every BlobStorage the contract suite runs against; add new backends here."""


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    return IMPLEMENTATIONS[request.param](tmp_path)


@pytest.fixture
def store(storage: BlobStorage) -> ContentStore:
    return ContentStore(storage)


@pytest.fixture
def local_store(tmp_path: Path) -> ContentStore:
    return ContentStore(LocalStorage(tmp_path / "blobs"))


def key_of(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def blob_files(root: Path) -> list[Path]:
    """Every file under a LocalStorage root, temporary ones included."""
    return sorted(Path(d) / f for d, _, files in os.walk(root) for f in files)
