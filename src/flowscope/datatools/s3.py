"""`S3`: the family's data tool for S3 objects (`from flowscope import S3`), over boto3.

    with S3(s3root="s3://bucket/exp") as s3:        # or bucket=, prefix=; or run=self
        s3.put("a/b.txt", "hello")                  # -> "s3://bucket/exp/a/b.txt"
        s3.get("a/b.txt").text                      # "hello"
        [o.key for o in s3.get_many(["a/b.txt"])]
        s3.list_paths()                              # one level: objects and prefixes

Keys are relative to the root (a full s3:// URL is taken as it is only when there is no
root). Objects are downloaded into a temporary directory under `tmproot` that lives as long
as the `with` block (or until `close()`). `run=` (a step's `self`, or a client `Run`) roots
the tool at `<the run's S3 datastore>/data/<Flow>/<run id>`, as the family roots it at its
datastore's `data/` prefix. Credentials and the endpoint come from boto3's standard sources
(AWS_ENDPOINT_URL for S3-compatible servers), as for the datastore. Ranged gets, encryption
and roles are not supported: a keyword the family takes and this does not is refused.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flowscope.datatools.s3object import S3Object
from flowscope.datatools.s3paths import Root, open_client, run_root
from flowscope.errors import S3AccessDenied, S3Error, S3InvalidObject, S3NotFound

PARALLEL = 16  # objects moved at once by the *_many calls


class S3:
    def __init__(
        self,
        tmproot: str = ".",
        bucket: str | None = None,
        prefix: str | None = None,
        run: Any = None,
        s3root: str | None = None,
        **unsupported: Any,
    ) -> None:
        if unsupported:
            name = sorted(unsupported)[0]
            raise S3Error(
                f"S3({name}=...) is not supported by flowscope's S3 tool (it uses boto3's "
                f"standard credentials and endpoint); leave it out."
            )
        if sum(x is not None for x in (bucket, run, s3root)) > 1:
            raise S3Error("S3() takes one of bucket=, run= and s3root=, not several.")
        if run is not None:
            self.root: Root | None = run_root(run)
        elif s3root is not None:
            self.root = Root.of(s3root)
        elif bucket is not None:
            self.root = Root.of(f"s3://{bucket}/{(prefix or '').strip('/')}")
        else:
            self.root = None
        self._tmproot = tmproot
        self._tmpdir: str | None = None
        self._lock = threading.Lock()  # the *_many calls' threads share one directory
        self._client: Any = None

    # -- lifetime ------------------------------------------------------------------------
    def __enter__(self) -> S3:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the downloaded files."""
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def _dir(self) -> str:
        with self._lock:
            if self._tmpdir is None:
                self._tmpdir = tempfile.mkdtemp(prefix="flowscope-s3-", dir=self._tmproot)
            return self._tmpdir

    def _s3(self) -> Any:
        if self._client is None:
            self._client = open_client()
        return self._client

    # -- reading -------------------------------------------------------------------------
    def get(
        self, key: Any = None, return_missing: bool = False, return_info: bool = True
    ) -> S3Object:
        """Download one object (the root itself with no key)."""
        bucket, name, url = self._where(key)
        path = os.path.join(self._dir(), f"{abs(hash(url)):x}-{os.path.basename(name) or 'root'}")
        try:
            answer = self._s3().get_object(Bucket=bucket, Key=name)
            with open(path, "wb") as out:
                for chunk in answer["Body"].iter_chunks(1024 * 1024):
                    out.write(chunk)
        except Exception as exc:
            return self._missing(exc, url, key, return_missing)
        return self._object(url, key, answer, path)

    def get_many(
        self, keys: Iterable[Any], return_missing: bool = False, return_info: bool = True
    ) -> list[S3Object]:
        """Download many objects at once, in the order given."""
        return self._parallel(lambda k: self.get(k, return_missing, return_info), keys)

    def get_recursive(self, keys: Iterable[Any], return_info: bool = False) -> list[S3Object]:
        """Download every object under each of `keys` (prefixes)."""
        found = [o for k in keys for o in self.list_recursive([k])]
        return self.get_many([o.url if self.root is None else o.key for o in found])

    def get_all(self, return_info: bool = False) -> list[S3Object]:
        """Download every object under the root."""
        if self.root is None:
            raise S3Error("get_all() needs a root: open S3(s3root=...), bucket= or run=.")
        return self.get_recursive([""])

    def info(self, key: Any = None, return_missing: bool = False) -> S3Object:
        """An object's size, type, metadata and time, without downloading it."""
        bucket, name, url = self._where(key)
        try:
            answer = self._s3().head_object(Bucket=bucket, Key=name)
        except Exception as exc:
            return self._missing(exc, url, key, return_missing)
        return self._object(url, key, answer, None)

    def info_many(self, keys: Iterable[Any], return_missing: bool = False) -> list[S3Object]:
        return self._parallel(lambda k: self.info(k, return_missing), keys)

    def list_paths(self, keys: Sequence[Any] | None = None) -> list[S3Object]:
        """What is directly under each key (the root with none): objects, and prefixes as
        objects with `exists` False, as in the family."""
        return [o for k in (keys or [""]) for o in self._list(k, recursive=False)]

    def list_recursive(self, keys: Sequence[Any] | None = None) -> list[S3Object]:
        """Every object under each key (the root with none)."""
        return [o for k in (keys or [""]) for o in self._list(k, recursive=True)]

    # -- writing -------------------------------------------------------------------------
    def put(
        self,
        key: Any,
        obj: Any,
        overwrite: bool = True,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Store `obj` (bytes or str, which is stored as UTF-8) at `key`; returns its URL."""
        data = _bytes(obj, key)
        return self._upload(key, data, None, overwrite, content_type, metadata)

    def put_many(self, key_objs: Iterable[Any], overwrite: bool = True) -> list[tuple[str, str]]:
        """Store many (key, obj) pairs (or objects with .key and .value) at once."""
        pairs = [_pair(item, "value") for item in key_objs]
        urls = self._parallel(lambda kv: self.put(kv[0], kv[1], overwrite), pairs)
        return [(str(k), u) for (k, _), u in zip(pairs, urls, strict=True)]

    def put_files(self, key_paths: Iterable[Any], overwrite: bool = True) -> list[tuple[str, str]]:
        """Upload local files: (key, path) pairs (or objects with .key and .path)."""
        pairs = [_pair(item, "path") for item in key_paths]
        for key, path in pairs:
            if not os.path.isfile(str(path)):
                raise S3Error(f"put_files: {path!r} (for key {key!r}) is not a file.")
        urls = self._parallel(lambda kp: self._upload(kp[0], None, str(kp[1]), overwrite), pairs)
        return [(str(k), u) for (k, _), u in zip(pairs, urls, strict=True)]

    # -- plumbing ------------------------------------------------------------------------
    def _where(self, key: Any) -> tuple[str, str, str]:
        key = getattr(key, "key", key)  # the family's S3GetObject / S3PutObject carry .key
        if key is not None and not isinstance(key, str):
            raise S3Error(f"An S3 key is a str, not {type(key).__name__} ({key!r:.60}).")
        if self.root is None:
            if key is None:
                raise S3Error("S3() without a root needs full s3:// URLs as keys.")
            return Root.of(key).split()
        return self.root.child(key or "")

    def _object(self, url: str, key: Any, answer: Mapping[str, Any], path: str | None) -> S3Object:
        modified = answer.get("LastModified")
        return S3Object(
            url=url,
            prefix=self.root.url if self.root else None,
            key=str(getattr(key, "key", key) or ""),
            path=path,
            size=int(answer.get("ContentLength", 0)),
            content_type=answer.get("ContentType"),
            metadata=dict(answer.get("Metadata") or {}),
            last_modified=modified.timestamp() if modified is not None else None,
        )

    def _missing(self, exc: Exception, url: str, key: Any, return_missing: bool) -> S3Object:
        status = _status(exc)
        if status in (403,):
            raise S3AccessDenied(
                f"Access to {url} was denied: check the credentials in use."
            ) from None
        if status not in (404,):
            if isinstance(exc, S3Error):
                raise exc
            raise S3Error(f"S3 request for {url} failed: {exc}") from None
        if return_missing:
            return S3Object(url, self.root.url if self.root else None, str(key or ""), exists=False)
        raise S3NotFound(f"There is no S3 object {url}.") from None

    def _upload(
        self,
        key: Any,
        data: bytes | None,
        path: str | None,
        overwrite: bool,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        bucket, name, url = self._where(key)
        if not name or name.endswith("/"):
            raise S3Error(f"put: {url} names a prefix, not an object: give a key.")
        client = self._s3()
        if not overwrite and self.info(key, return_missing=True).exists:
            return url
        extra: dict[str, Any] = {}
        if content_type:
            extra["ContentType"] = content_type
        if metadata:
            extra["Metadata"] = {str(k): str(v) for k, v in metadata.items()}
        try:
            if path is not None:
                client.upload_file(path, bucket, name, ExtraArgs=extra or None)
            else:
                client.put_object(Bucket=bucket, Key=name, Body=data, **extra)
        except Exception as exc:
            if _status(exc) == 403:
                raise S3AccessDenied(f"Writing {url} was denied: check the credentials.") from None
            raise S3Error(f"Storing {url} failed: {exc}") from None
        return url

    def _list(self, key: Any, recursive: bool) -> list[S3Object]:
        bucket, name, url = self._where(key)
        head = name if not name or name.endswith("/") else name + "/"
        pages = (
            self._s3()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket, Prefix=head, **({} if recursive else {"Delimiter": "/"}))
        )
        out: list[S3Object] = []
        root = self.root.url if self.root else None
        try:
            for page in pages:
                for common in page.get("CommonPrefixes", ()):
                    p = common["Prefix"]
                    out.append(
                        S3Object(
                            f"s3://{bucket}/{p}",
                            root,
                            self._rel(bucket, p),
                            exists=False,
                            is_prefix=True,
                        )
                    )
                for item in page.get("Contents", ()):
                    k = item["Key"]
                    out.append(
                        S3Object(
                            f"s3://{bucket}/{k}",
                            root,
                            self._rel(bucket, k),
                            size=int(item.get("Size", 0)),
                            last_modified=item["LastModified"].timestamp()
                            if item.get("LastModified")
                            else None,
                        )
                    )
        except Exception as exc:
            if _status(exc) == 403:
                raise S3AccessDenied(f"Listing {url} was denied: check the credentials.") from None
            raise S3Error(f"Listing {url} failed: {exc}") from None
        return out

    def _rel(self, bucket: str, name: str) -> str:
        if self.root is None:
            return f"s3://{bucket}/{name}"
        return name[len(self.root.prefix) + 1 :] if self.root.prefix else name

    def _parallel(self, call: Any, items: Iterable[Any]) -> list[Any]:
        items = list(items)
        if len(items) <= 1:
            return [call(i) for i in items]
        self._s3()  # one client, made before the threads share it
        with ThreadPoolExecutor(min(PARALLEL, len(items))) as pool:
            return list(pool.map(call, items))


def _bytes(obj: Any, key: Any) -> bytes:
    if isinstance(obj, str):
        return obj.encode("utf-8")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    raise S3InvalidObject(
        f"put({key!r:.40}, ...): an object stored on S3 is bytes or str, not "
        f"{type(obj).__name__}; pickle it (or use an artifact: self.x = obj) first."
    )


def _pair(item: Any, field: str) -> tuple[Any, Any]:
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], item[1]
    if hasattr(item, "key") and hasattr(item, field):
        return item.key, getattr(item, field)
    raise S3Error(f"Expected (key, {field}) pairs, got {item!r:.60}.")


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return None
    code = response.get("Error", {}).get("Code")
    if code in ("NoSuchKey", "404", "NotFound", "NoSuchBucket"):
        return 404
    if code in ("AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return 403
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None
