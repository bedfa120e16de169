"""`s3://bucket/prefix` addresses, checked without loading the S3 client library (so a
client can refuse a bad address at once and open the store itself only when it reads a blob).
"""

from __future__ import annotations

import re

from flowscope.errors import DataStoreError
from flowscope.remote.urls import redact

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")


def is_bucket_name(name: str) -> bool:
    """Whether `name` is an S3 bucket name: 3 to 63 lowercase letters, digits, dots and
    hyphens, starting and ending with a letter or digit, no '..'."""
    return bool(_BUCKET.fullmatch(name)) and ".." not in name


_PREFIX_PART = re.compile(r"[A-Za-z0-9!_.*'()\-=+@,;:]+")


def parse_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of `s3://bucket[/prefix]`; DataStoreError naming what is wrong."""
    rest = url[len("s3://") :] if url.lower().startswith("s3://") else ""
    bucket, _, prefix = rest.partition("/")
    if not is_bucket_name(bucket):
        raise DataStoreError(
            f"Cannot open datastore {redact(url)!r}: {redact(bucket)!r} is not an S3 bucket "
            "name (3 to 63 lowercase letters, digits, dots and hyphens). Write "
            "s3://BUCKET/PREFIX."
        )
    parts = [part for part in prefix.strip("/").split("/")] if prefix.strip("/") else []
    bad = [part for part in parts if not _PREFIX_PART.fullmatch(part) or part in (".", "..")]
    if bad or "?" in url or "#" in url:
        raise DataStoreError(
            f"Cannot open datastore {redact(url)!r}: the prefix must be '/'-separated names of "
            f"letters, digits and -_.!*'()=+@,;: (got {(bad or [prefix])[0]!r:.60})."
        )
    return bucket, "/".join(parts)
