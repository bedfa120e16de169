"""Which datastore holds a run's data, from the address the run recorded.

A run records its datastore's address when the runner was told it (`--datastore`,
FLOWSCOPE_DATASTORE); a run that records none (and every run before schema version 5) keeps
its data in the metadata store's own datastore. A reader picks, first that applies:

1. the reader's own explicit choice (FLOWSCOPE_DATASTORE, `--datastore`, the datastore given
   with the metadata address): it wins over any record;
2. no recorded address, or the one the reader's pair already reads: the pair's datastore;
3. through the service: the service's blob proxy, when the service serves that datastore
   (it is its blob root; the service answers yes or no, and never reveals its root); else a
   DataStoreError naming both. The reader never opens an address read from a service's record;
4. local metadata: the recorded address itself, when it is an s3:// bucket or a directory,
   opened lazily (boto3 loads at the first blob actually read) and once per process. A
   recorded http(s) address is never opened from a record (it would be sent the reader's
   service token): an error naming it, and FLOWSCOPE_DATASTORE as the way to read it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from flowscope.errors import DataStoreError

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.datastore import ContentStore
    from flowscope.metastore.records import RunRecord
    from flowscope.stores import Stores

_OPENABLE = ("s3://", "file://", "/")


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class RecordedDatastores:
    """The datastores opened from runs' records, by address (thread safe)."""

    __slots__ = ("_lock", "_opened", "_served")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opened: dict[str, ContentStore] = {}
        self._served: dict[tuple[int, str], bool] = {}  # (id(pair's store), address) -> yes/no

    def for_run(self, pair: Stores, run: RunRecord, settings: Settings) -> ContentStore:
        recorded = run.datastore
        own = pair.datastore
        if recorded is None or own.address is not None or _same(recorded, pair.datastore_address):
            return own  # nothing recorded, the reader chose explicitly, or the same datastore
        run_name = f"Run('{run.flow_name}/{run.run_id}')"
        serves = getattr(own.storage, "serves", None)  # the service's blob proxy
        if serves is not None:
            if self._serves(own, recorded, serves):
                return own
            raise DataStoreError(
                f"{run_name} keeps its data in {recorded:.300}, which the service at "
                f"{pair.datastore_address} does not serve (its blob root is another). Read it "
                f"directly with FLOWSCOPE_DATASTORE={recorded:.300} if you can reach it, or "
                f"ask for a service whose --blob-root is that datastore."
            )
        if not recorded.startswith(_OPENABLE):
            raise DataStoreError(
                f"{run_name} records its datastore as {recorded!r:.300}, which is not opened "
                f"from a record (only s3:// buckets and directories are). Set "
                f"FLOWSCOPE_DATASTORE (or --datastore) to read it from there."
            )
        with self._lock:
            found = self._opened.get(recorded)
            if found is None:
                found = self._opened[recorded] = _open(recorded, settings)
            return found

    def _serves(self, own: ContentStore, recorded: str, serves: object) -> bool:
        key = (id(own), recorded.rstrip("/"))
        with self._lock:
            known = self._served.get(key)
        if known is None:
            known = bool(serves(recorded))  # type: ignore[operator]
            with self._lock:
                self._served[key] = known
        return known


def _open(address: str, settings: Settings) -> ContentStore:
    from flowscope.datastore import ContentStore, open_storage

    return ContentStore(
        open_storage(address, settings, lazy=True),
        inline_max=settings.inline_blob_max,
        address=address,
    )


class RunDatastores:
    """The content store of each run read through one pair, by the rules above, for a
    reader that holds its own pair rather than the client's context (the web UI,
    `flowscope reindex`): `datastores(run_record)`. Each recorded datastore is opened once."""

    __slots__ = ("_opened", "_settings", "_stores")

    def __init__(self, stores: Stores, settings: Settings) -> None:
        self._stores, self._settings = stores, settings
        self._opened = RecordedDatastores()

    def __call__(self, run: RunRecord | None) -> ContentStore:
        if run is None:
            return self._stores.datastore
        return self._opened.for_run(self._stores, run, self._settings)
