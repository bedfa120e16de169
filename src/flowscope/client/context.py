"""The client's one piece of state: which metadata provider it reads, and which namespace.

`CONTEXT` is the only mutable state of the client. Nothing is resolved at import time: the
settings (user name, service URL, local store) are read from the environment the first time
they are needed, and again by `default_namespace()` and `default_metadata()`.

Providers are kept per address, so the many objects unpickled from a notebook's artifacts
share one open provider instead of each opening its own. Every client object records the
provider and namespace in force when it was created and keeps using them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from flowscope.errors import MetadataError
from flowscope.tags import validate_tag

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.metastore.provider import MetadataProvider

__all__ = [
    "CONTEXT",
    "ClientContext",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "metadata",
    "namespace",
]

_UNSET = object()


def _is_service(address: str) -> bool:
    kind, _, rest = address.partition("@")
    target = rest if kind in ("local", "service") and rest else address
    return kind == "service" or target.startswith(("http://", "https://"))


class ClientContext:
    """The provider and namespace the client uses, plus the open providers by address.

    Thread safe. `namespace` is a tag (or None for the global namespace); until set it is
    `user:<name>` for the user from the settings. The provider is opened on first use.
    """

    __slots__ = ("_address", "_lock", "_namespace", "_provider", "_providers", "_settings")

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._settings: Settings | None = None
        self._namespace: object = _UNSET
        self._address: str | None = None  # None: the default address, resolved on use
        self._provider: MetadataProvider | None = None
        self._providers: dict[str, MetadataProvider] = {}

    # ---- settings ----------------------------------------------------------------------
    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                from flowscope.config import Settings

                self._settings = Settings.from_env()
            return self._settings

    def reset(self) -> None:
        """Forget everything (settings, namespace, provider choice, open providers)."""
        with self._lock:
            self._settings = None
            self._namespace = _UNSET
            self._address = None
            self._provider = None
            self._providers = {}

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

    # ---- providers ---------------------------------------------------------------------
    def provider(self) -> MetadataProvider:
        """The provider in force, opened on first use."""
        with self._lock:
            if self._provider is None:
                address = self._address or self._default_address()
                self._provider = self.provider_for(address)
            return self._provider

    def provider_for(self, address: str) -> MetadataProvider:
        """The open provider for `address` (a `describe()` string or anything `metadata()`
        accepts), opening it once per process."""
        with self._lock:
            found = self._providers.get(address)
            if found is not None:
                return found
            from flowscope.metastore.providers import open_provider

            try:
                provider = open_provider(address, self.settings(), create=False)
            except ImportError as exc:
                raise MetadataError(
                    f"Cannot read the metadata service at {address}: its client is not "
                    f"available ({exc}). Install flowscope with the service extra."
                ) from exc
            if _is_service(address):
                provider.get_flow("FlowscopeProbe")  # fail here, not at the first listing
            description = provider.describe()
            provider = self._providers.setdefault(description, provider)
            self._providers[address] = provider
            return provider

    def use_provider(self, provider: MetadataProvider) -> str:
        """Read through `provider` from now on (for embedding and tests); returns its name."""
        with self._lock:
            description = provider.describe()
            self._providers[description] = provider
            self._provider = provider
            self._address = description
            return description

    def set_metadata(self, address: str) -> str:
        if not isinstance(address, str) or not address.strip():
            raise MetadataError(
                f"metadata() takes a directory or an http(s) URL (or local@DIR / service@URL), "
                f"got {address!r}."
            )
        provider = self.provider_for(address.strip())  # errors here leave the choice as it was
        with self._lock:
            self._provider = provider
            self._address = provider.describe()
            return self._address

    def get_metadata(self) -> str:
        with self._lock:
            if self._provider is not None:
                return self._provider.describe()
            address = self._address or self._default_address()
        try:
            return self.provider().describe()
        except MetadataError:
            return self._describe_unopened(address)

    def default_metadata(self) -> str:
        with self._lock:
            self._settings = None
            self._provider = None
            self._address = self._default_address()
            address = self._address
        try:
            return self.provider().describe()
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
    or a metadata service (`http(s)://host:port/prefix`, `service@URL`). The switch is
    global for the process. A directory without a store, or a service that does not answer
    within FLOWSCOPE_SERVICE_TIMEOUT, is an error here. Returns `get_metadata()`."""
    return CONTEXT.set_metadata(ms)


def get_metadata() -> str:
    """The provider in force, as `local@<dir>` or `service@<url>`."""
    return CONTEXT.get_metadata()


def default_metadata() -> str:
    """Return to the default provider: the service named by FLOWSCOPE_SERVICE_URL, else the
    local store found by walking up from the working directory (or the one that would be
    created there). Returns `get_metadata()`."""
    return CONTEXT.default_metadata()
