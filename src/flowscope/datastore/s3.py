"""`S3Storage`: blobs in an S3 (or S3-compatible) bucket, under a prefix.

Layout, one object per blob, named by its content key::

    s3://BUCKET/PREFIX/blobs/ab/abcdef...     (ab: the key's first two hex digits)

Nothing else lives under `PREFIX/blobs/`, so a garbage collector lists that one prefix (1,000
keys a request, 256 independent shards to list in parallel) and subtracts the keys the
metadata references; an object's LastModified gives the grace period for uploads whose task
has not committed yet.

Writes are atomic: a blob is one PUT, or a multipart upload that becomes visible only when it
is completed (a failed one is aborted; a killed worker's is invisible and left to the bucket's
AbortIncompleteMultipartUpload lifecycle rule). A small blob is one conditional PUT
(`If-None-Match: *`) with no HEAD before it: the server keeps the first copy. A large one is
checked with a HEAD (cheap next to its transfer), then sent as parallel parts read straight
from the caller's buffers; reads of large blobs are parallel ranged GETs into one buffer.

Credentials, region and endpoint come from boto3's standard sources only: AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared config files, instance
and container roles. With a custom endpoint (AWS_ENDPOINT_URL set) requests use path-style
addressing, which every S3-compatible server understands. A request the server does not
answer, or answers with a 5xx or "slow down", is retried with backoff for at most
`settings.datastore_retry_time` seconds, then fails with DataStoreUnavailable.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import boto3  # type: ignore[import-untyped]
import botocore.config  # type: ignore[import-untyped]
import botocore.exceptions  # type: ignore[import-untyped]

from flowscope.datastore.keys import blob_not_found, check_key
from flowscope.datastore.s3_address import parse_url
from flowscope.datastore.s3_parts import PartReader, byte_views
from flowscope.datastore.s3_transfer import fetch_ranges, read_into, total_size, upload_parts
from flowscope.datastore.storage import Chunk
from flowscope.errors import BlobNotFound, DataStoreError, DataStoreUnavailable

if TYPE_CHECKING:
    from flowscope.config import Settings

BLOB_DIR = "blobs"
PART_SIZE = 16 * 1024 * 1024
"""Bytes per multipart part and per ranged GET; blobs larger than this go in parts."""
CONCURRENCY = 8
"""Parts of one blob in flight at once, and blobs saved at once by `save_artifacts`."""
EXISTS_CONCURRENCY = 16
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
OPEN_RETRY_TIME = 5.0
"""Opening the store (checking the bucket) retries an unanswered endpoint this long at most."""

_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
                    "InternalError", "ServiceUnavailable", "ConditionalRequestConflict"}  # fmt: skip
_CONNECTION_ERRORS = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ResponseStreamingError,
)
T = TypeVar("T")


def _status(exc: botocore.exceptions.ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, _CONNECTION_ERRORS):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        return _status(exc) >= 500 or _status(exc) == 409 or _code(exc) in _TRANSIENT_CODES
    return False


class S3Storage:
    """Blobs under `s3://bucket/prefix/blobs/`; thread-safe, and safe to use after fork()."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        retry_time: float = 60.0,
        part_size: int = PART_SIZE,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.retry_time = retry_time
        self.part_size = part_size
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._session: Any = None  # kept across fork: a forked worker's client costs ~30 ms
        self._client: Any = None
        self._client_pid = -1
        self._endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")

    def __repr__(self) -> str:
        return f"S3Storage({self.url!r})"

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    # -- the client: one per process (a forked worker makes its own, from the same session) --
    def client(self) -> Any:
        if self._client is None or self._client_pid != os.getpid():
            with self._lock:
                if self._client is None or self._client_pid != os.getpid():
                    self._client = self._new_client()
                    self._client_pid = os.getpid()
        return self._client

    def _new_client(self) -> Any:
        config = botocore.config.Config(
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            retries={"total_max_attempts": 1},  # retried here, within a bounded time
            max_pool_connections=max(self.concurrency, EXISTS_CONCURRENCY) * 2,
            s3={"addressing_style": "path"} if self._endpoint else None,
            # every read is verified against its blake3 key; the server checks Content-MD5-less
            # uploads by their SigV4 signature
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        if self._session is None:  # loads the credential chain and the service model once
            self._session = boto3.session.Session()
        return self._session.client("s3", config=config)

    def _object(self, key: str) -> str:
        check_key(key)
        head = f"{self.prefix}/{BLOB_DIR}" if self.prefix else BLOB_DIR
        return f"{head}/{key[:2]}/{key}"

    def locate(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._object(key)}"

    # -- retries ------------------------------------------------------------------------
    def _call(self, what: str, operation: Callable[[], T], *, budget: float | None = None) -> T:
        deadline = time.monotonic() + (self.retry_time if budget is None else budget)
        delay = 0.1
        while True:
            try:
                return operation()
            except (botocore.exceptions.ClientError, *_CONNECTION_ERRORS) as exc:
                if not _transient(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    raise DataStoreUnavailable(
                        f"The S3 datastore {self.url} did not answer {what} within "
                        f"{self.retry_time if budget is None else budget:.0f} s ({exc}). Check "
                        f"that the endpoint ({self._endpoint or 'AWS'}) is up and reachable; "
                        "then resume the run."
                    ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    def _head(self, key: str) -> int | None:
        name = self._object(key)

        def head() -> int | None:
            try:
                answer = self.client().head_object(Bucket=self.bucket, Key=name)
            except botocore.exceptions.ClientError as exc:
                if _status(exc) == 404:
                    return None
                raise
            return int(answer["ContentLength"])

        return self._call(f"a HEAD of {name}", head)

    # -- the protocol ---------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        unique = sorted({check_key(key) for key in keys})
        if len(unique) <= 1:
            return {key for key in unique if self.exists(key)}
        with ThreadPoolExecutor(min(EXISTS_CONCURRENCY, len(unique))) as pool:
            found = pool.map(self.exists, unique)
            return {key for key, present in zip(unique, found, strict=True) if present}

    def size(self, key: str) -> int:
        size = self._head(key)
        if size is None:
            raise blob_not_found(key, self.url)
        return size

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        self.write_new(key, chunks)

    def write_new(self, key: str, chunks: Sequence[Chunk]) -> bool:
        """Store the blob unless `key` is already stored; whether this call stored it."""
        name = self._object(key)
        views = byte_views(chunks)
        size = sum(view.nbytes for view in views)
        if size <= self.part_size:
            return self._put_if_absent(name, views, size)
        if self._head(key) is not None:
            return False
        upload_parts(self, name, views, size)
        return True

    def _put_if_absent(self, name: str, views: Sequence[memoryview], size: int) -> bool:
        def put() -> bool:
            try:
                self.client().put_object(
                    Bucket=self.bucket,
                    Key=name,
                    Body=PartReader(views),
                    ContentLength=size,
                    IfNoneMatch="*",
                )
            except botocore.exceptions.ClientError as exc:
                if _status(exc) == 412:  # already stored: the first copy stays
                    return False
                raise
            return True

        return self._call(f"a PUT of {name}", put)

    def read(self, key: str) -> bytearray:
        name = self._object(key)
        client = self.client()

        def first() -> tuple[bytearray, int, int]:
            try:
                answer = client.get_object(
                    Bucket=self.bucket, Key=name, Range=f"bytes=0-{self.part_size - 1}"
                )
            except botocore.exceptions.ClientError as exc:
                if _status(exc) == 404:
                    raise blob_not_found(key, self.url) from None
                if _status(exc) == 416:  # an empty object has no byte 0
                    return bytearray(), 0, 0
                raise
            total, length = total_size(answer), int(answer["ContentLength"])
            out = bytearray(total)
            return out, read_into(answer["Body"], memoryview(out), 0, length), total

        out, got, total = self._call(f"a GET of {name}", first)
        if got < total:
            fetch_ranges(self, name, out, got)
        return out

    def read_many(self, keys: Sequence[str]) -> dict[str, bytearray]:
        """The stored blobs among `keys` (those not stored are absent), read in parallel."""
        unique = list(dict.fromkeys(check_key(key) for key in keys))

        def one(key: str) -> bytearray | None:
            try:
                return self.read(key)
            except BlobNotFound:
                return None

        if len(unique) <= 1:
            blobs = [one(key) for key in unique]
        else:
            with ThreadPoolExecutor(min(EXISTS_CONCURRENCY, len(unique))) as pool:
                blobs = list(pool.map(one, unique))
        return {key: data for key, data in zip(unique, blobs, strict=True) if data is not None}


def from_url(url: str, settings: Settings | None = None) -> S3Storage:
    """The S3 datastore at `s3://bucket[/prefix]` (``open_storage``'s factory for s3://),
    checked now: missing credentials, refused credentials, a missing bucket or an unreachable
    endpoint is a DataStoreError naming the bucket and what to check, before anything runs."""
    from flowscope.config import Settings

    bucket, prefix = parse_url(url)
    settings = Settings.from_env() if settings is None else settings
    storage = S3Storage(bucket, prefix, retry_time=settings.datastore_retry_time)
    check_bucket(storage)
    return storage


def check_bucket(storage: S3Storage) -> None:
    """One HEAD of the bucket, its failures turned into messages that say what to check."""
    where = f"S3 bucket '{storage.bucket}' (datastore {storage.url})"
    endpoint = storage._endpoint or "the AWS default for the region"
    try:
        client = storage.client()
        storage._call(
            f"a HEAD of bucket {storage.bucket}",
            lambda: client.head_bucket(Bucket=storage.bucket),
            budget=min(OPEN_RETRY_TIME, storage.retry_time),
        )
    except botocore.exceptions.NoCredentialsError:
        raise DataStoreError(
            f"Cannot open {where}: no AWS credentials were found. Set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance role applies."
        ) from None
    except DataStoreUnavailable as exc:
        raise DataStoreError(
            f"Cannot open {where}: the endpoint {endpoint} does not answer. Check "
            "AWS_ENDPOINT_URL (or the profile's endpoint_url) and the network."
        ) from exc
    except botocore.exceptions.ClientError as exc:
        status, code = _status(exc), _code(exc)
        if status == 404 or code == "NoSuchBucket":
            detail = "it does not exist. Create it, or fix the bucket name in the address."
        elif status in (401, 403):
            detail = (
                f"access was refused ({code or status}). Check the credentials "
                "(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and that they "
                "may read and write this bucket."
            )
        else:
            detail = f"the server answered {status} {code}. Check AWS_ENDPOINT_URL and the region."
        raise DataStoreError(f"Cannot open {where}: {detail}") from exc
    except botocore.exceptions.BotoCoreError as exc:  # bad profile, bad endpoint URL, ...
        raise DataStoreError(
            f"Cannot open {where}: {exc}. Check the AWS settings (AWS_PROFILE, "
            "AWS_ENDPOINT_URL, AWS_DEFAULT_REGION)."
        ) from exc
