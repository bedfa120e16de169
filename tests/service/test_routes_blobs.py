"""The blob proxy routes, in process (service/routes_blobs.py)."""

from __future__ import annotations

import os
from collections.abc import Callable

from flowscope.datastore import ContentStore, LocalStorage, MemoryStorage

from .helpers import Api, error_of


def stored_form(data: bytes) -> tuple[str, bytes]:
    """A blob's key and the bytes ContentStore would hand a storage backend."""
    scratch = MemoryStorage()
    key = ContentStore(scratch).put(data)
    return key, bytes(scratch.read(key))


def test_put_head_get_exists(api: Api, blob_storage: LocalStorage) -> None:
    key, stored = stored_form(b"artifact bytes " * 100)
    assert api.head(f"/blobs/{key}").status_code == 404
    put = api.put(f"/blobs/{key}", content=stored)
    assert put.status_code == 201 and put.json() == {"key": key, "written": True}
    assert api.put(f"/blobs/{key}", content=stored).json()["written"] is False  # idempotent
    head = api.head(f"/blobs/{key}")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(stored)
    got = api.get(f"/blobs/{key}")
    assert got.status_code == 200 and got.content == stored
    assert ContentStore(blob_storage).get(key) == b"artifact bytes " * 100
    other = "f" * 64
    present = api.post("/blobs/exists", json={"keys": [key, other]}).json()
    assert present == {"present": [key]}


def test_put_is_checked_against_its_key(api: Api, blob_storage: LocalStorage) -> None:
    key, _ = stored_form(b"real content")
    _, other = stored_form(b"other content")
    assert error_of(api.put(f"/blobs/{key}", content=other)) == (400, "BlobCorrupted")
    assert error_of(api.put(f"/blobs/{key}", content=b"not even encoded")) == (400, "BlobCorrupted")
    assert not blob_storage.exists(key)


def test_missing_and_malformed_keys(api: Api) -> None:
    assert error_of(api.get(f"/blobs/{'0' * 64}")) == (404, "BlobNotFound")
    for bad in ("abc", "A" * 64, "0" * 63 + "g", "%00" * 64):
        assert error_of(api.get(f"/blobs/{bad}")) == (400, "BadRequest")
        assert error_of(api.put(f"/blobs/{bad}", content=b"x")) == (400, "BadRequest")
    # an encoded slash is decoded before routing: no blob route matches it
    assert error_of(api.get("/blobs/..%2F..%2Fetc%2Fpasswd")) == (404, "NotFound")
    assert error_of(api.get("/blobs/..")) == (404, "NotFound")
    assert error_of(api.get("/flows/")) == (404, "NotFound")  # no redirect to /flows
    assert error_of(api.post("/blobs/exists", json={"keys": ["nope"]})) == (400, "BadRequest")
    assert error_of(api.post("/blobs/exists", json={"keys": "x"})) == (400, "BadRequest")


def test_blob_size_limit(make_api: Callable[..., Api]) -> None:
    api = make_api(max_blob=1000)
    key, stored = stored_form(os.urandom(5000))  # incompressible
    assert error_of(api.put(f"/blobs/{key}", content=stored)) == (413, "PayloadTooLarge")


def test_no_blob_root_configured(make_api: Callable[..., Api]) -> None:
    api = make_api(blobs=None)
    assert error_of(api.get(f"/blobs/{'0' * 64}")) == (501, "NotConfigured")
