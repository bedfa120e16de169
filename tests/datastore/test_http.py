"""HttpBlobStorage (datastore/http.py): a content store over the service's blob proxy."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.datastore import ContentStore, LocalStorage
from flowscope.datastore.http import HttpBlobStorage
from flowscope.errors import BlobNotFound, MetadataError
from flowscope.remote.transport import HttpTransport
from http_servers import TOKEN


def _blobs(url: str) -> ContentStore:
    return ContentStore(HttpBlobStorage(HttpTransport(url, token=TOKEN)))


def test_blobs_through_the_service(served: str, tmp_path: Path) -> None:
    blobs = _blobs(served)
    data = bytes(range(256)) * 5000
    key = blobs.put(data)
    assert blobs.get(key) == data
    assert blobs.exists(key) and not blobs.exists("0" * 64)
    assert blobs.exists_many([key, "0" * 64]) == {key}
    assert blobs.stored_size(key) == LocalStorage(tmp_path / "blobs").size(key)
    assert blobs.put(data) == key  # already there: not sent again
    with pytest.raises(BlobNotFound):
        blobs.get("0" * 64)
    misplaced = _blobs(f"{served}/wrong/prefix")
    with pytest.raises(MetadataError, match="No route") as info:
        misplaced.get(key)
    assert not isinstance(info.value, BlobNotFound)
