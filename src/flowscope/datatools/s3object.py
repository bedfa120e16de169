"""`S3Object`: one object (or prefix) that `S3` listed, looked up or downloaded. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flowscope.errors import S3Error


@dataclass(frozen=True)
class S3Object:
    """As in the family: `url`, `prefix` (the root it was asked under), `key` (the rest),
    `exists`, `downloaded`, `path` (the local copy, valid inside the `with S3()` block),
    `blob` and `text` (its bytes and UTF-8 text), `size`, `has_info`, `metadata`,
    `content_type`, `last_modified` (seconds since the epoch), `range_info`, `encryption`."""

    url: str
    prefix: str | None
    key: str
    exists: bool = True
    path: str | None = None
    size: int | None = None
    content_type: str | None = None
    metadata: Mapping[str, str] | None = field(default=None, repr=False)
    last_modified: float | None = None
    is_prefix: bool = False  # a "directory" of list_paths: a prefix, not an object

    @property
    def downloaded(self) -> bool:
        return self.path is not None

    @property
    def has_info(self) -> bool:
        return self.size is not None

    @property
    def blob(self) -> bytes:
        """The object's bytes (it must have been downloaded: get, not info or list)."""
        return Path(self._local()).read_bytes()

    @property
    def text(self) -> str:
        """The object's bytes as UTF-8 text."""
        return self.blob.decode("utf-8")

    @property
    def range_info(self) -> None:
        return None  # whole objects only: ranged gets are not supported

    @property
    def encryption(self) -> None:
        return None

    @property
    def last_modified_at(self) -> datetime | None:
        from datetime import timezone

        if self.last_modified is None:
            return None
        return datetime.fromtimestamp(self.last_modified, tz=timezone.utc)

    def _local(self) -> str:
        if self.path is None:
            what = "does not exist" if not self.exists else "was listed, not downloaded"
            raise S3Error(f"{self.url} {what}: get() it to read its bytes.")
        return self.path

    def __str__(self) -> str:
        state = "missing" if not self.exists else ("prefix" if self.is_prefix else "object")
        return (
            f"<S3Object {self.url} ({state}{'' if self.size is None else f', {self.size} bytes'})>"
        )
