"""`HttpBlobStorage`: the datastore's `BlobStorage` protocol over the service's blob proxy.

Bytes travel in their stored form (encoded by `ContentStore`), so the client keeps hashing,
compression and verified reads, and the service only checks an upload against its key.
Uploads are idempotent (a key names its content), so they are retried like other writes.

`open_storage("http(s)://host:port[/prefix]")` opens one (`from_url`), with the service token
and timeout of the settings in force.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence

from flowscope.config import Settings
from flowscope.datastore import batch
from flowscope.datastore.keys import blob_not_found, check_key
from flowscope.datastore.storage import Chunk
from flowscope.errors import BlobNotFound, DataStoreError
from flowscope.remote.transport import HttpTransport, Limits, error_type
from flowscope.remote.urls import redact

EXISTS_BATCH = 10_000


class HttpBlobStorage:
    """Blobs stored by the metadata service at `transport.url`."""

    batch_is_one_request = True
    """`read_many` costs one request per batch (the blob cache holds small ones in memory)."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def __repr__(self) -> str:
        return f"HttpBlobStorage({self._http.url!r})"

    def close(self) -> None:
        """Close this process's connections to the service (it reconnects when used again)."""
        self._http.close()

    def locate(self, key: str) -> str:
        return f"{self._http.url}/api/v1/blobs/{check_key(key)}"

    def serves(self, address: str) -> bool:
        """Whether the service's blob root is the datastore at `address` (a run's recorded
        one); the service answers yes or no and never reveals its root. A service too old
        to know the question serves no recorded datastore."""
        answer = self._http.request(
            "GET", "/blobs/serves", query=[("datastore", address)], ok=(404,)
        )
        if answer.status == 404:
            return False
        data = answer.json()
        served = data.get("served") if isinstance(data, dict) else None
        if not isinstance(served, bool):
            raise answer.wrong_shape('{"served": true or false}')
        return served

    def _head(self, key: str, *, write: bool = False) -> int | None:
        answer = self._http.request("HEAD", f"/blobs/{check_key(key)}", ok=(404,), write=write)
        if answer.status == 404:
            return None
        length = answer.headers.get("Content-Length", "0").strip()
        if not (length.isdecimal() and length.isascii()):
            raise answer.wrong_shape(f"a blob size as the Content-Length, got {length[:40]!r}")
        return int(length)

    def exists(self, key: str) -> bool:
        # the first half of every store (ContentStore.put_info checks before it uploads), so
        # it is bounded like a write: a task storing artifacts rides out a service restart
        return self._head(key, write=True) is not None

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        keys = [check_key(k) for k in keys]
        for start in range(0, len(keys), EXISTS_BATCH):
            body = json.dumps({"keys": keys[start : start + EXISTS_BATCH]}).encode()
            answer = self._http.request(
                "POST", "/blobs/exists", body=body, headers={"Content-Type": "application/json"}
            )
            data = answer.json()
            present = data.get("present") if isinstance(data, dict) else None
            if not isinstance(present, list) or not all(isinstance(k, str) for k in present):
                raise answer.wrong_shape('{"present": [blob keys]}')
            found.update(present)
        return found

    def size(self, key: str) -> int:
        size = self._head(key)
        if size is None:
            raise blob_not_found(key, self._http.url)
        return size

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        self._http.request(
            "PUT",
            f"/blobs/{check_key(key)}",
            body=list(chunks),
            headers={"Content-Type": "application/octet-stream"},
            write=True,
            transfer=True,
        )

    def read(self, key: str) -> bytearray:
        answer = self._http.request("GET", f"/blobs/{check_key(key)}", transfer=True, ok=(404,))
        if answer.status == 404:
            if error_type(answer) != "BlobNotFound":  # e.g. a wrong URL prefix: say so
                self._http.fail("GET", f"/blobs/{key}", answer)
            raise blob_not_found(key, self._http.url)
        body = answer.body
        return body if isinstance(body, bytearray) else bytearray(body)

    def read_many(self, keys: Sequence[str]) -> dict[str, bytearray]:
        """The stored blobs among `keys` (those not stored are absent), fetched a batch of
        blobs a request (`POST /blobs/batch`, bounded by the answer limit in force); a blob
        the service leaves out of every batch (too large for one) is read on its own."""
        pending = list(dict.fromkeys(check_key(k) for k in keys))
        found: dict[str, bytearray] = {}
        max_bytes = min(batch.MAX_BYTES, self._http.limits.max_answer // 2)
        while pending:
            asked = pending[: batch.MAX_KEYS]
            body = json.dumps({"keys": asked, "max_bytes": max_bytes}).encode()
            answer = self._http.request(
                "POST", "/blobs/batch", body=body, headers={"Content-Type": "application/json"}
            )
            entries = batch.decode(answer.body, asked)
            if not entries:  # not even the first fits in one answer: read the rest one by one
                break
            found.update((key, data) for key, data in entries.items() if data is not None)
            pending = [key for key in pending if key not in entries]
        for key in pending:
            try:
                found[key] = self.read(key)
            except BlobNotFound:
                pass
        return found


def from_url(url: str, settings: Settings | None = None) -> HttpBlobStorage:
    """The blob proxy of the service at `url` (``open_storage``'s factory for http(s)://),
    authenticated with `settings.service_token` and bounded by `settings.service_timeout`
    (both read from the environment when `settings` is None)."""
    try:
        parts = urllib.parse.urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        valid = False
    if not valid or parts.query or parts.fragment:
        raise DataStoreError(
            f"Cannot open datastore {redact(url)!r}: an http(s) datastore is a flowscope service, "
            f"http(s)://host[:port][/prefix] (its blob proxy)."
        )
    settings = Settings.from_env() if settings is None else settings
    transport = HttpTransport(
        url,
        token=settings.service_token,
        timeout=settings.service_timeout,
        limits=Limits.from_settings(settings),
    )
    return HttpBlobStorage(transport)
