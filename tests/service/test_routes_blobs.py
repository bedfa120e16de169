"""The blob proxy routes, in process (service/routes_blobs.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from flowscope.datastore import ContentStore, LocalStorage, MemoryStorage, batch

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


def _stored(api: Api, blob_storage: LocalStorage, data: bytes) -> tuple[str, bytes]:
    key, stored = stored_form(data)
    blob_storage.write(key, [stored])
    return key, stored


def test_batch_returns_stored_blobs_in_order_and_names_missing_ones(
    api: Api, blob_storage: LocalStorage
) -> None:
    stored = [_stored(api, blob_storage, f"value {i}".encode() * 50) for i in range(3)]
    missing = "e" * 64
    keys = [stored[2][0], missing, stored[0][0], stored[1][0], stored[0][0]]  # one asked twice
    answer = api.post("/blobs/batch", json={"keys": keys})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    entries = batch.decode(answer.content, keys)
    assert list(entries) == [stored[2][0], missing, stored[0][0], stored[1][0]]
    assert entries[missing] is None
    for key, form in stored:
        assert entries[key] == form


def test_batch_answer_is_bounded_by_max_bytes(api: Api, blob_storage: LocalStorage) -> None:
    stored = [_stored(api, blob_storage, os.urandom(3000)) for _ in range(4)]  # incompressible
    keys = [key for key, _ in stored]
    size = len(stored[0][1])
    entries = batch.decode(
        api.post("/blobs/batch", json={"keys": keys, "max_bytes": 2 * size}).content, keys
    )
    assert list(entries) == keys[:2]  # the rest is left out, for the caller to ask again
    assert (
        batch.decode(api.post("/blobs/batch", json={"keys": keys, "max_bytes": 10}).content, keys)
        == {}
    )
    # the service's own bound applies whatever the caller asks
    huge = api.post("/blobs/batch", json={"keys": keys, "max_bytes": 10**15})
    assert len(batch.decode(huge.content, keys)) == 4


def test_batch_refuses_hostile_requests(
    make_api: Callable[..., Api], blob_storage: LocalStorage
) -> None:
    api = make_api(max_body=1024 * 1024)
    key, _ = _stored(api, blob_storage, b"x" * 100)
    too_many = ["0" * 64] * (batch.MAX_KEYS + 1)
    assert api.post("/blobs/batch", json={"keys": too_many[1:]}).status_code == 200
    for body in (
        {"keys": too_many},
        {"keys": []},
        {"keys": "x"},
        {"keys": [key, "../../etc/passwd"]},
        {"keys": [key, 7]},
        {"keys": [key], "max_bytes": -1},
        {"keys": [key], "max_bytes": "100"},
        {"keys": [key], "max_bytes": True},
        {"keys": [key], "max_bytes": 1.5},
    ):
        assert error_of(api.post("/blobs/batch", json=body)) == (400, "BadRequest"), body
    plain = {"Content-Type": "text/plain"}  # what a page may send without a preflight
    body = json.dumps({"keys": [key]}).encode()
    assert error_of(api.post("/blobs/batch", content=body, headers=plain)) == (
        415,
        "UnsupportedMediaType",
    )
    foreign = {"Origin": "http://evil.example"}
    assert error_of(api.post("/blobs/batch", json={"keys": [key]}, headers=foreign))[0] == 403
    assert error_of(api.post("/blobs/batch", json={"keys": [key]}, auth=False))[0] == 401
    assert error_of(api.get("/blobs/batch"))[0] in (400, 404, 405)


def test_batch_without_a_blob_root(make_api: Callable[..., Api]) -> None:
    api = make_api(blobs=None)
    assert error_of(api.post("/blobs/batch", json={"keys": ["0" * 64]})) == (501, "NotConfigured")


def test_serves_says_yes_only_for_the_configured_blob_root(
    make_api: Callable[..., Api], blob_storage: LocalStorage
) -> None:
    root = str(blob_storage.root)
    api = make_api(blob_address=root)

    def served(address: str) -> object:
        answer = api.get("/blobs/serves", params={"datastore": address})
        assert answer.status_code == 200
        return answer.json()["served"]

    assert served(root) is True and served(root + "/") is True
    assert served("/elsewhere") is False and served("s3://bucket/x") is False
    assert root not in api.get("/blobs/serves", params={"datastore": "/x"}).text  # never shown
    assert error_of(api.get("/blobs/serves")) == (400, "BadRequest")
    assert error_of(api.get("/blobs/serves", params={"datastore": "x" * 2001}))[0] == 400
    assert make_api(blobs=None, blob_address=root).get(
        "/blobs/serves", params={"datastore": root}
    ).json() == {"served": False}
    assert make_api().get("/blobs/serves", params={"datastore": root}).json() == {
        "served": False  # a service told no address serves no recorded datastore
    }
