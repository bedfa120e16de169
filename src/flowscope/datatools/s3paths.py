"""Where `S3` reads and writes: its root (`s3://bucket/prefix`), keys under it, the root of a
run, and the boto3 client (made on first use, so `import flowscope` never loads boto3)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from flowscope.datastore.s3_address import is_bucket_name
from flowscope.errors import S3Error, S3URLError

DATA_PREFIX = "data"  # under a run's S3 datastore, as the family's DATATOOLS root


@dataclass(frozen=True)
class Root:
    bucket: str
    prefix: str  # without leading or trailing '/'

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    @classmethod
    def of(cls, url: str) -> Root:
        if not isinstance(url, str) or not url.startswith("s3://"):
            raise S3URLError(f"{url!r:.80} is not an S3 URL: write s3://BUCKET/PREFIX.")
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not is_bucket_name(bucket):
            raise S3URLError(
                f"{url!r:.80}: {bucket!r:.40} is not an S3 bucket name (3 to 63 lowercase "
                f"letters, digits, dots and hyphens)."
            )
        return cls(bucket, prefix.strip("/"))

    def split(self) -> tuple[str, str, str]:
        """(bucket, object name, URL) of this address taken as an object."""
        return self.bucket, self.prefix, self.url

    def child(self, key: str) -> tuple[str, str, str]:
        """(bucket, object name, URL) of `key` under this root."""
        if key.startswith("s3://"):
            raise S3URLError(
                f"{key!r:.80} is a full URL, and this S3 tool has the root {self.url}: give "
                f"the key under the root, or open S3() without one for full URLs."
            )
        rest = key.lstrip("/")
        if any(part == ".." for part in rest.split("/")):
            raise S3URLError(f"The key {key!r:.80} climbs out of the root {self.url} ('..').")
        name = f"{self.prefix}/{rest}" if self.prefix and rest else (self.prefix or rest)
        return self.bucket, name, f"s3://{self.bucket}/{name}"


def run_root(run: Any) -> Root:
    """`<the run's S3 datastore>/data/<Flow>/<run id>` for a step's `self` or a client Run."""
    if hasattr(run, "_fs_bind"):  # a FlowSpec: the running task's own run
        from flowscope.flow.current import current

        if not current.is_running_flow:
            raise S3Error("S3(run=self) works inside a running step only.")
        flow_name, run_id = current.flow_name, current.run_id
        address = getattr(current._fields.get("objects"), "datastore", None)
    elif hasattr(run, "pathspec") and hasattr(run, "_provider"):  # a client Run
        from flowscope.client.context import CONTEXT

        flow_name, run_id = str(run.pathspec).split("/")[:2]
        record = run._run_record() if hasattr(run, "_run_record") else None
        address = _address_of(CONTEXT.datastore_for(run._provider, record).storage)
    else:
        raise S3Error(f"S3(run=...) takes a step's self or a client Run, not {run!r:.60}.")
    if not isinstance(address, str) or not address.startswith("s3://"):
        raise S3Error(
            f"S3(run=...) roots its objects in the run's datastore, and {flow_name}/{run_id}'s "
            f"is not on S3 ({address or 'unknown'}): run with --datastore s3://BUCKET/PREFIX, "
            f"or give S3(s3root='s3://...')."
        )
    base = Root.of(address)
    tail = f"{DATA_PREFIX}/{flow_name}/{run_id}"
    return Root(base.bucket, f"{base.prefix}/{tail}" if base.prefix else tail)


def _address_of(storage: Any) -> str | None:
    """The URL of the backend under the blob cache and the lazy opener, if it has one."""
    for _ in range(4):
        url = getattr(storage, "url", None)
        if isinstance(url, str):
            return url
        storage = getattr(storage, "remote", None)
        if storage is None:
            return None
    return None


def open_client() -> Any:
    """A boto3 S3 client from the standard sources; path-style with a custom endpoint."""
    try:
        import boto3  # type: ignore[import-untyped]
        import botocore.config  # type: ignore[import-untyped]
    except ImportError:
        raise S3Error("flowscope.S3 needs boto3: pip install 'flowscope[s3]'.") from None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = botocore.config.Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 5, "mode": "standard"},
        max_pool_connections=32,
        s3={"addressing_style": "path"} if endpoint else None,
    )
    return boto3.session.Session().client("s3", config=config)
