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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flowscope.errors import DataStoreError
from flowscope.frozen import init

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.datastore import ContentStore
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.providers import Address

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


class Stores:
    """A resolved pair: the metadata provider and the content store of the runs it records.

    The content store is given, or opened on first use (`open_datastore`): a reader that lists
    runs or reads metadata never loads the datastore package at all."""

    __slots__ = ("metadata_address", "datastore_address", "provider", "_datastore", "_open")
    metadata_address: str
    datastore_address: str
    provider: MetadataProvider
    _datastore: ContentStore | None
    _open: Callable[[], ContentStore] | None

    def __init__(
        self,
        metadata_address: str,  # the provider's name: local@DIR or service@URL
        datastore_address: str,  # the datastore opened: an absolute directory or a URL
        provider: MetadataProvider,
        datastore: ContentStore | None = None,
        *,
        open_datastore: Callable[[], ContentStore] | None = None,
    ) -> None:
        if (datastore is None) == (open_datastore is None):
            raise TypeError("Stores needs a datastore or open_datastore, not both")
        init(self, "metadata_address", metadata_address)
        init(self, "datastore_address", datastore_address)
        init(self, "provider", provider)
        init(self, "_datastore", datastore)
        init(self, "_open", open_datastore)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Stores are frozen: cannot assign to {name!r}")

    @property
    def datastore(self) -> ContentStore:
        """The content store, opened now if it was not yet (a bad datastore address is the
        `DataStoreError` of this first use)."""
        found = self._datastore
        if found is None:
            assert self._open is not None
            found = self._open()
            init(self, "_datastore", found)  # two threads may race: either store serves
        return found

    @property
    def datastore_opened(self) -> bool:
        return self._datastore is not None

    def open_datastore(self) -> ContentStore:
        """`datastore`, opened now if it was not (for a caller that wants a bad address's
        error at once)."""
        return self.datastore

    def describe(self) -> str:
        """Both addresses, for messages."""
        return f"metadata {self.metadata_address}, datastore {self.datastore_address}"

    def close(self) -> None:
        self.provider.close()

    def __repr__(self) -> str:
        return f"Stores({self.describe()})"


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
    (naming it) before anything is created or recorded. `lazy` (readers) opens the datastore
    at its first use instead (a listing reads none): an address that is not even a non-empty
    string is still refused here, but an unknown scheme or a malformed bucket is then the
    error of the first read of data; the runtime is never lazy."""
    from flowscope.metastore.providers import default_address, open_provider, resolve_address

    where = resolve_address(
        metadata if metadata is not None else default_address(settings, cwd), create=create
    )
    data_address = datastore_address(where, datastore, settings)
    chosen = datastore is not None or settings.datastore is not None

    def content() -> ContentStore:
        return content_store(data_address, settings, chosen=chosen, lazy=lazy)

    if lazy:
        provider = open_provider(where, settings, create=create)
        return Stores(provider.describe(), data_address, provider, open_datastore=content)
    opened = content()
    provider = open_provider(where, settings, create=create)
    return Stores(provider.describe(), data_address, provider, opened)


def content_store(address: str, settings: Settings, *, chosen: bool, lazy: bool) -> ContentStore:
    """The content store at `address`; `chosen`: the address was given (explicitly or by
    FLOWSCOPE_DATASTORE) rather than the metadata store's own, so runs record it."""
    from flowscope.datastore import ContentStore, open_storage

    return ContentStore(
        open_storage(address, settings, lazy=lazy),
        inline_max=settings.inline_blob_max,
        address=address if chosen else None,
    )


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
