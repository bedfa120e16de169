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


def test_read_many_fetches_a_batch_per_request(
    served: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = HttpBlobStorage(HttpTransport(served, token=TOKEN))
    store = ContentStore(storage)
    values = [f"value {i}".encode() * (i + 1) for i in range(30)]
    keys = [store.put(v) for v in values]
    local = LocalStorage(tmp_path / "blobs")
    requests: list[str] = []
    send = storage._http.request

    def counted(method: str, path: str, **kw: object) -> object:
        requests.append(f"{method} {path}")
        return send(method, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(storage._http, "request", counted)
    found = storage.read_many([*keys, "0" * 64, keys[0]])
    assert requests == ["POST /blobs/batch"]
    assert set(found) == set(keys)  # the missing key is absent
    assert all(found[k] == local.read(k) for k in keys)

    # a batch bound smaller than the blobs: several requests, then single GETs for what never fits
    monkeypatch.setattr("flowscope.datastore.batch.MAX_KEYS", 7)
    requests.clear()
    assert storage.read_many(keys) == found | {}
    assert requests.count("POST /blobs/batch") == 5 and len(requests) == 5
    monkeypatch.setattr("flowscope.datastore.batch.MAX_BYTES", 1)
    requests.clear()
    assert storage.read_many(keys[:3]) == {k: found[k] for k in keys[:3]}
    assert requests[0] == "POST /blobs/batch" and requests[1:] == [
        f"GET /blobs/{k}" for k in keys[:3]
    ]


def test_serves_asks_the_service_and_refuses_a_malformed_answer() -> None:
    from http_servers import ScriptedServer

    script = [(200, {"served": True}), (200, {"served": "yes"}), (200, [1]), (404, {})]
    with ScriptedServer(script) as server:
        storage = HttpBlobStorage(HttpTransport(server.url, token=TOKEN))
        assert storage.serves("s3://bucket/prefix") is True
        method, path, _ = server.requests[0]
        assert (
            method == "GET" and path == "/api/v1/blobs/serves?datastore=s3%3A%2F%2Fbucket%2Fprefix"
        )
        for _ in range(2):
            with pytest.raises(MetadataError, match='"served": true or false'):
                storage.serves("s3://bucket/prefix")
        assert storage.serves("s3://bucket/prefix") is False  # an older service: no route
