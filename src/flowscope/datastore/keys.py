"""Blob keys: what a valid content address looks like, and the errors that name one.

A key is the blake3 digest of a blob's logical bytes, written as 64 lowercase hex digits.
Every backend checks a key here before it builds a path or URL from it, so a key can never
name anything outside the store (``../x``, ``a/b``, NUL bytes and the like are refused).
"""

from __future__ import annotations

import re

from flowscope.errors import BlobCorrupted, BlobNotFound, DataStoreError

KEY_LENGTH = 64
_KEY = re.compile(r"[0-9a-f]{64}")


def check_key(key: object) -> str:
    """Return ``key`` if it is a valid blob key; raise DataStoreError otherwise."""
    if not isinstance(key, str):
        raise DataStoreError(
            f"A blob key must be a str of {KEY_LENGTH} lowercase hex digits, "
            f"got {type(key).__name__} {key!r:.80}"
        )
    if _KEY.fullmatch(key) is None:
        raise DataStoreError(
            f"Invalid blob key {key!r:.100}: expected exactly {KEY_LENGTH} lowercase hex digits "
            "(a blake3 digest). Pass the 'sha' recorded for the artifact."
        )
    return key


def blob_not_found(key: str, where: str) -> BlobNotFound:
    """A BlobNotFound for ``key``, with the key kept on the exception as ``exc.key``."""
    exc = BlobNotFound(
        f"No blob {key} in {where}: it was deleted, or it was written to a different "
        "datastore. Check the datastore location, or re-run the task that produced it by "
        "running the flow again (a resume reuses finished tasks as they are: it would not "
        "write it again)."
    )
    # errors.py declares no field for the key; set it here so callers can read exc.key
    setattr(exc, "key", key)  # noqa: B010 (mypy: BlobNotFound declares no attribute "key")
    return exc


def blob_corrupted(key: str, where: str, detail: str) -> BlobCorrupted:
    """A BlobCorrupted for ``key``, with the key kept on the exception as ``exc.key``."""
    exc = BlobCorrupted(
        f"Blob {key} in {where} is corrupted ({detail}): it was altered or damaged on disk "
        "after it was written. Delete that file, then re-run the task that produced it by "
        "running the flow again (a resume reuses finished tasks as they are: it would not "
        "write it again)."
    )
    setattr(exc, "key", key)  # noqa: B010
    return exc
