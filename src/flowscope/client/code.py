"""Code: the code package saved with a run (a gzip'd tar of the flow's directory)."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from flowscope.client.context import CONTEXT
from flowscope.errors import DataStoreError

if TYPE_CHECKING:
    import tarfile
    import tempfile

    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunRecord

INFO_NAME = ".flowscope_code.json"


class Code:
    """The code a run executed. `flowspec` is the flow file's source; `tarball` the whole
    package; `extract()` unpacks it into a temporary directory."""

    __slots__ = ("_data", "_info", "_key", "_owner", "_provider", "_run")

    _provider: MetadataProvider
    _key: str
    _owner: str
    _data: bytes | None
    _info: dict[str, Any] | None
    _run: RunRecord | None  # whose recorded datastore holds the package

    def __init__(self) -> None:
        raise TypeError("Code objects come from run.code or task.code.")

    @classmethod
    def _make(
        cls, provider: MetadataProvider, key: str, owner: str, run: RunRecord | None = None
    ) -> Code:
        code = object.__new__(cls)
        code._provider, code._key, code._owner, code._run = provider, key, owner, run
        code._data = None
        code._info = None
        return code

    def _bytes(self) -> bytes:
        if self._data is None:
            try:
                store = CONTEXT.datastore_for(self._provider, self._run)
                self._data = bytes(store.get(self._key))
            except DataStoreError as exc:
                raise type(exc)(f"Could not read the code package of {self._owner}: {exc}") from exc
        return self._data

    def __repr__(self) -> str:
        return f"<Code of {self._owner!r}: {self._key[:12]}>"

    @property
    def path(self) -> str:
        """Where the package is stored (a file path or URL in the datastore)."""
        store = CONTEXT.datastore_for(self._provider, self._run)
        return str(store.storage.locate(self._key))

    @property
    def sha(self) -> str:
        """The content hash of the package."""
        return str(self._key)

    @property
    def tarball(self) -> tarfile.TarFile:
        """The package as an open `tarfile.TarFile` (in memory)."""
        import tarfile

        try:
            return tarfile.open(fileobj=io.BytesIO(self._bytes()), mode="r:gz")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DataStoreError(
                f"The code package of {self._owner} is not a readable gzip'd tar: {exc}"
            ) from exc

    def _member(self, name: str) -> bytes | None:
        with self.tarball as tar:
            try:
                member = tar.extractfile(name)
            except KeyError:
                return None
            return None if member is None else member.read()

    @property
    def info(self) -> dict[str, Any]:
        """What was recorded about the package: `script_name`, `flow_name`, `created_at`."""
        if self._info is None:
            raw = self._member(INFO_NAME)
            self._info = {} if raw is None else dict(json.loads(raw.decode("utf-8")))
        return dict(self._info)

    @property
    def script_name(self) -> str | None:
        """The file name of the flow script, e.g. `flow.py`."""
        name = self.info.get("script_name")
        return None if name is None else str(name)

    @property
    def flowspec(self) -> str | None:
        """The source of the flow script."""
        name = self.script_name
        raw = None if name is None else self._member(name)
        return None if raw is None else raw.decode("utf-8", "replace")

    def extract(self) -> tempfile.TemporaryDirectory[str]:
        """Unpack the package into a new temporary directory (removed when the returned
        object is cleaned up or garbage collected); its path is `.name`."""
        import tarfile
        import tempfile

        directory = tempfile.TemporaryDirectory(prefix="flowscope-code-")
        with self.tarball as tar:
            try:
                tar.extractall(directory.name, filter="data")
            except tarfile.TarError as exc:
                directory.cleanup()
                raise DataStoreError(
                    f"The code package of {self._owner} holds an unsafe member: {exc}"
                ) from exc
        return directory
