"""The client's one piece of state: which metadata and datastore it reads, and which namespace.

`CONTEXT` is the only mutable state of the client. Nothing is resolved at import time: the
settings (user name, service URL, local store, datastore) are read from the environment the
first time they are needed, and again by `default_namespace()` and `default_metadata()`.

The metadata provider and the content store are resolved together, as a pair
(`flowscope.stores.Stores`): `metadata(address)` resolves the pair again, so a local store's
blobs, or a service's blob proxy, follow the address unless FLOWSCOPE_DATASTORE (or the CLI's
`--datastore`) names the datastore. Pairs are kept per address, so the many objects unpickled
from a notebook's artifacts share one open provider instead of each opening its own. Every
client object records the provider and namespace in force when it was created and keeps
using them; a provider belongs to exactly one pair, so it also names the object's datastore
(`datastore_for`).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from flowscope.client.datastores import RecordedDatastores
from flowscope.errors import MetadataError
from flowscope.tags import validate_tag

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.datastore import ContentStore
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunRecord
    from flowscope.stores import Stores

__all__ = [
    "CONTEXT",
    "ClientContext",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "inspect_spin",
    "metadata",
    "namespace",
]

_UNSET = object()
_Key = tuple[str, "str | None", "str | None"]  # (metadata address, explicit datastore, env's)


def _is_service(address: str) -> bool:
    kind, _, rest = address.partition("@")
    target = rest if kind in ("local", "service") and rest else address
    return kind == "service" or target.startswith(("http://", "https://"))


def _checked(address: object) -> str:
    if not isinstance(address, str) or not address.strip():
        raise MetadataError(
            f"metadata() takes a directory or an http(s) URL (or local@DIR / service@URL), "
            f"got {address!r}."
        )
    return address.strip()


class ClientContext:
    """The stores and namespace the client uses, plus the open pairs by address.

    Thread safe. `namespace` is a tag (or None for the global namespace); until set it is
    `user:<name>` for the user from the settings. The pair is opened on first use.
    """

    __slots__ = (
        "_address",
        "_by_provider",
        "_datastore",
        "_datastores",
        "_lock",
        "_namespace",
        "_opened",
        "_settings",
        "_stores",
    )

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._settings: Settings | None = None
        self._namespace: object = _UNSET
        self._address: str | None = None  # None: the default address, resolved on use
        self._datastore: str | None = None  # chosen with the address (None: settings, default)
        self._stores: Stores | None = None
        self._opened: dict[_Key, Stores] = {}
        self._by_provider: dict[int, Stores] = {}  # id(provider) -> its pair
        self._datastores = RecordedDatastores()  # opened from runs' records, by address

    # ---- settings ----------------------------------------------------------------------
    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                from flowscope.config import Settings

                self._settings = Settings.from_env()
            return self._settings

    def reset(self) -> None:
        """Forget everything (settings, namespace, stores choice, open stores)."""
        with self._lock:
            self._settings = None
            self._namespace = _UNSET
            self._address = None
            self._datastore = None
            self._stores = None
            self._opened = {}
            self._by_provider = {}
            self._datastores = RecordedDatastores()

    # ---- namespace ---------------------------------------------------------------------
    def get_namespace(self) -> str | None:
        with self._lock:
            if self._namespace is _UNSET:
                self._namespace = f"user:{self.settings().user}"
            return self._namespace  # type: ignore[return-value]

    def set_namespace(self, ns: str | None) -> str | None:
        if ns is not None:
            ns = validate_tag(ns)
        with self._lock:
            self._namespace = ns
        return ns

    def default_namespace(self) -> str:
        with self._lock:
            self._settings = None
            self._namespace = f"user:{self.settings().user}"
            return self._namespace

    # ---- stores ------------------------------------------------------------------------
    def stores(self) -> Stores:
        """The pair in force, opened on first use."""
        with self._lock:
            if self._stores is None:
                address = self._address or self._default_address()
                self._stores = self.stores_for(address, self._datastore)
            return self._stores

    def provider(self) -> MetadataProvider:
        """The provider in force, opened on first use."""
        return self.stores().provider

    def stores_for(self, address: str, datastore: str | None = None) -> Stores:
        """The open pair for metadata at `address` (a `describe()` string or anything
        `metadata()` accepts) and `datastore` (None: the settings', else the metadata's own),
        opened once per process."""
        with self._lock:
            key: _Key = (address, datastore, self.settings().datastore)
            found = self._opened.get(key)
            if found is not None:
                return found
            from flowscope.stores import open_stores

            try:
                stores = open_stores(address, datastore, settings=self.settings(), lazy=True)
            except ImportError as exc:
                raise MetadataError(
                    f"Cannot read the metadata service at {address}: its client is not "
                    f"available ({exc}). Install flowscope with the service extra."
                ) from exc
            if _is_service(address):
                stores.provider.get_flow("FlowscopeProbe")  # fail here, not at the first listing
            named: _Key = (stores.metadata_address, datastore, key[2])
            stores = self._opened.setdefault(named, stores)
            self._opened[key] = stores
            self._by_provider[id(stores.provider)] = stores
            return stores

    def provider_for(self, address: str) -> MetadataProvider:
        """The open provider for `address` (see `stores_for`): the one in force when it
        reads that address, so that unpickled objects share its datastore too."""
        with self._lock:
            current = self._stores
            if current is not None and address in (current.metadata_address, self._address):
                return current.provider
            return self.stores_for(address).provider

    def datastore_for(
        self, provider: MetadataProvider, run: RunRecord | None = None
    ) -> ContentStore:
        """The content store holding the data of `run` (a record read through `provider`), or
        of the runs `provider` records when no run is given. A provider handed in without a
        pair gets the datastore its address resolves to. See `flowscope.client.datastores`
        for which datastore a run's recorded address opens."""
        with self._lock:
            found = self._by_provider.get(id(provider))
            if found is None:
                found = self._pair(provider)
            if run is None or run.datastore is None:
                return found.datastore
            return self._datastores.for_run(found, run, self.settings())

    def use_provider(self, provider: MetadataProvider) -> str:
        """Read through `provider` from now on, with the datastore its address resolves to
        (for embedding and tests); returns the provider's name."""
        with self._lock:
            return self.use_stores(self._pair(provider))

    def use_stores(self, stores: Stores) -> str:
        """Read through an already opened pair from now on; returns its metadata name."""
        with self._lock:
            self._by_provider[id(stores.provider)] = stores
            self._opened[(stores.metadata_address, None, self.settings().datastore)] = stores
            self._stores = stores
            self._address = stores.metadata_address
            self._datastore = None
            return stores.metadata_address

    def _pair(self, provider: MetadataProvider) -> Stores:
        """A pair for a provider opened elsewhere: the datastore of the pair in force when it
        reads the same address, else the one the provider's address resolves to."""
        from flowscope.stores import Stores, content_store, datastore_address

        name, current = provider.describe(), self._stores
        if current is not None and current.metadata_address == name:
            shared = current  # the same datastore, opened when either first needs it
            stores = Stores(
                name, current.datastore_address, provider, open_datastore=lambda: shared.datastore
            )
        else:
            from flowscope.metastore.providers import resolve_address

            settings = self.settings()
            address = datastore_address(resolve_address(name), None, settings)
            chosen = settings.datastore is not None
            stores = Stores(
                name,
                address,
                provider,
                open_datastore=lambda: content_store(address, settings, chosen=chosen, lazy=True),
            )
        self._by_provider[id(provider)] = stores
        return stores

    def set_stores(self, metadata: str | None, datastore: str | None = None) -> str:
        """Read from metadata at `metadata` (None: the default address) with its data in
        `datastore` (None: FLOWSCOPE_DATASTORE, else the metadata's own); returns its name."""
        address = _checked(metadata) if metadata is not None else self._default_address()
        stores = self.stores_for(address, datastore)  # errors here leave the choice as it was
        if datastore is not None:
            stores.open_datastore()  # an explicit datastore is opened now: its error comes here
        with self._lock:
            self._stores = stores
            self._address = stores.metadata_address
            self._datastore = datastore
            return self._address

    def set_metadata(self, address: str) -> str:
        address = _checked(address)
        if address in ("local", "service"):  # the family's names of a kind of provider
            address = self._kind(address)
        return self.set_stores(address)

    def _kind(self, kind: str) -> str:
        settings = self.settings()
        if kind == "local":  # the nearest local store, even with a service configured
            return str(settings.store_root())
        if not settings.service_url:
            raise MetadataError(
                "metadata('service') needs the service's address: set FLOWSCOPE_SERVICE_URL, or "
                "give it, as in metadata('http://HOST:PORT')."
            )
        return settings.service_url

    def get_metadata(self) -> str:
        with self._lock:
            if self._stores is not None:
                return self._stores.metadata_address
            address = self._address or self._default_address()
        try:
            return self.stores().metadata_address
        except MetadataError:
            return self._describe_unopened(address)

    def default_metadata(self) -> str:
        with self._lock:
            self._settings = None
            self._stores = None
            self._datastore = None
            self._address = self._default_address()
            address = self._address
        try:
            return self.stores().metadata_address
        except MetadataError:  # no store yet: the error comes with the first query
            return self._describe_unopened(address)

    def _default_address(self) -> str:
        from flowscope.metastore.providers import default_address

        return default_address(self.settings())

    @staticmethod
    def _describe_unopened(address: str) -> str:
        if _is_service(address):
            return address if address.startswith("service@") else f"service@{address}"
        if address.startswith("local@"):
            return address
        from flowscope.config import ConfigError, expand_path

        try:
            return f"local@{expand_path(address).absolute()}"
        except ConfigError:
            return f"local@{address}"


CONTEXT = ClientContext()
"""The client context of this process. `namespace()`, `metadata()` and friends act on it."""


def namespace(ns: str | None) -> str | None:
    """Switch to namespace `ns` (a tag such as `user:alice`), or to the global namespace with
    None. Returns the namespace now in force. Objects created earlier keep their namespace."""
    return CONTEXT.set_namespace(ns)


def get_namespace() -> str | None:
    """The namespace in force: a tag, or None for the global namespace."""
    return CONTEXT.get_namespace()


def default_namespace() -> str:
    """Return to the default namespace, `user:<name>`, and return it."""
    return CONTEXT.default_namespace()


def metadata(ms: str) -> str:
    """Read from another metadata provider: a local store directory (`/dir`, `local@/dir`)
    or a metadata service (`http(s)://host:port/prefix`, `service@URL`); `'local'` alone is
    the nearest local store, `'service'` alone the one in FLOWSCOPE_SERVICE_URL. The switch is
    global for the process. A directory without a store, or a service that does not answer
    within FLOWSCOPE_SERVICE_TIMEOUT, is an error here. Returns `get_metadata()`."""
    return CONTEXT.set_metadata(ms)


def get_metadata() -> str:
    """The provider in force, as `local@<dir>` or `service@<url>`."""
    return CONTEXT.get_metadata()


def inspect_spin(directory: str | os.PathLike[str] = ".") -> str:
    """Read what `python flow.py spin ... --persist` kept: the spin store in `directory`
    (`.flowscope_spin`), as `metadata()` would. Returns `get_metadata()`."""
    from pathlib import Path

    from flowscope.config import SPIN_DIRNAME, STORE_DIRNAME

    root = Path(directory) / SPIN_DIRNAME  # a directory holding a store, as a project's
    if not (root / STORE_DIRNAME / "metadata.db").exists():
        raise MetadataError(
            f"There is no spin store in {Path(directory).absolute()} (no {SPIN_DIRNAME}); "
            f"run `python flow.py spin STEP --persist` there first."
        )
    return CONTEXT.set_metadata(str(root))


def default_metadata() -> str:
    """Return to the default provider: the service named by FLOWSCOPE_SERVICE_URL, else the
    local store found by walking up from the working directory (or the one that would be
    created there). Returns `get_metadata()`."""
    return CONTEXT.default_metadata()
