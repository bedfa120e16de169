"""Where runs are recorded and where their data lives: the pair of addresses, resolved.

A run has two independent parts, each chosen by its own address: the metadata (a local store
directory or a service URL; `flowscope.metastore`) and the datastore that holds its artifacts,
logs and code packages (a directory, `file://` or `http(s)://` URL; `flowscope.datastore`).
`open_stores` resolves the pair once, and the runner and the client receive both::

    open_stores(None, None, settings=s)                   nearest .flowscope; blobs in its blobs/
    open_stores("http://svc:8080", None, settings=s)      the service; blobs via its blob proxy
    open_stores("http://svc:8080", "/shared/blobs", ...)  the service's records, blobs in a dir

The datastore address is, first found: the explicit one (`--datastore`), FLOWSCOPE_DATASTORE
(`settings.datastore`), the metadata store's own (a local store's `blobs/` directory, a
service's blob proxy). Another backend (s3://, next) plugs into `open_storage`, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flowscope.errors import DataStoreError

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.datastore import ContentStore
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.providers import Address

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class Stores:
    """A resolved pair: the metadata provider and the content store of the runs it records."""

    metadata_address: str  # the provider's name: local@DIR or service@URL
    datastore_address: str  # the datastore opened: an absolute directory or a URL
    provider: MetadataProvider
    datastore: ContentStore

    def describe(self) -> str:
        """Both addresses, for messages."""
        return f"metadata {self.metadata_address}, datastore {self.datastore_address}"

    def close(self) -> None:
        self.provider.close()


def open_stores(
    metadata: str | None = None,
    datastore: str | None = None,
    *,
    settings: Settings,
    create: bool = False,
    lazy: bool = False,
    cwd: Path | None = None,
) -> Stores:
    """Resolve and open the pair. `metadata` None: FLOWSCOPE_SERVICE_URL, else the nearest
    local store from `cwd`. `create` makes a missing local store (the runtime does; the
    client does not). The datastore is opened first, so a bad datastore address is an error
    (naming it) before anything is created or recorded. `lazy` (readers) defers opening a
    datastore that is slow to open (S3) to its first blob access; the runtime does not."""
    from flowscope.datastore import ContentStore, open_storage
    from flowscope.metastore.providers import default_address, open_provider, resolve_address

    where = resolve_address(
        metadata if metadata is not None else default_address(settings, cwd), create=create
    )
    data_address = datastore_address(where, datastore, settings)
    chosen = datastore is not None or settings.datastore is not None
    content = ContentStore(
        open_storage(data_address, settings, lazy=lazy),
        inline_max=settings.inline_blob_max,
        address=data_address if chosen else None,
    )
    provider = open_provider(where, settings, create=create)
    return Stores(provider.describe(), data_address, provider, content)


def datastore_address(where: Address, explicit: str | None, settings: Settings) -> str:
    """The datastore address for metadata at `where`: explicit, else settings, else its own."""
    chosen = explicit if explicit is not None else settings.datastore
    if chosen is None:
        if where.kind == "service":
            return where.target
        from flowscope.metastore.local import BLOB_DIR

        return str(Path(where.target) / BLOB_DIR)
    if not isinstance(chosen, str) or not chosen.strip():
        raise DataStoreError(
            f"A datastore address must be a directory or a URL (file://, http(s)://), "
            f"got {chosen!r:.80}."
        )
    return normalize_address(chosen)


def normalize_address(chosen: str) -> str:
    """A datastore address as runs record it: a URL as given, a directory made absolute."""
    chosen = chosen.strip()
    if _URL.match(chosen):
        return chosen
    return str(Path(chosen).expanduser().absolute())
