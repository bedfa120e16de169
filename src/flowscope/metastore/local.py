"""The embedded local provider: SQLite metadata in a `.flowscope/` directory.

The directory's layout: `metadata.db` (this provider), `live/` (logs of running attempts) and
`blobs/`, the default datastore of the store (opened by `flowscope.stores`, not here).
"""

from __future__ import annotations

from pathlib import Path

from flowscope.errors import MetadataError
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.store import SqlMetadataStore

DB_NAME = "metadata.db"
BLOB_DIR = "blobs"
LIVE_DIR = "live"


def is_store(root: Path) -> bool:
    try:
        return (root / DB_NAME).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def open_local(root: Path, *, create: bool, lost_after: float = 60.0) -> SqlMetadataStore:
    """Open the store in `root`; create it when `create` (the runtime), else it must exist."""
    root = Path(root).absolute()
    if not is_store(root):
        if not create:
            raise MetadataError(
                f"There is no flowscope store in {root} (no {DB_NAME}). Run a flow there first, "
                f"or point metadata() at the directory that holds your .flowscope store."
            )
        try:
            (root / BLOB_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MetadataError(
                f"Cannot create the flowscope store in {root}: {exc.strerror}."
            ) from exc
    db = SqliteDatabase(root / DB_NAME)
    migrate(db)
    if create and db.read_only:  # the runtime writes: refuse before the first blob is stored
        raise db.refuse_write(db.read_only)
    return SqlMetadataStore(
        db,
        lost_after=lost_after,
        description=f"local@{root}",
        live_dir=root / LIVE_DIR,
    )
