"""`flowscope reindex`: fill the query index and the blob references for runs recorded before
they existed.

For every run of a flow (or of every flow): its scalar parameters, and the scalar artifacts of
each task's latest attempt, then the run's packed values (`run_values`, what `to_pandas()`
reads) rebuilt from them; and the run's rows of `blob_refs` (metastore/blob_refs.py: its code
package, every attempt's artifacts, logs, environment and cards). Blobs are read from the
datastore the run recorded (client/datastores.py, the same rules as every reader). Only blobs of at most `MAX_BLOB` bytes are loaded (a scalar's
pickle is far smaller); larger artifacts are not scalars anyway. Writing is idempotent: rows
already in the index are kept. Works on a store this process opens with SQL (a local store);
a service's database is reindexed on the service host (`flowscope reindex --metadata DIR`
over its SQLite store).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowscope.cards.records import CARDS_FACT, decode_records
from flowscope.datastore import load_artifact
from flowscope.errors import DataStoreError, MetadataError
from flowscope.metastore import blob_refs, query_index
from flowscope.metastore.records import RunRecord
from flowscope.metastore.scalars import scalar_text, stored_text
from flowscope.metastore.store import SqlMetadataStore, iter_all_runs
from flowscope.stores import Stores

if TYPE_CHECKING:
    from flowscope.datastore import ContentStore

DatastoreFor = Callable[[RunRecord], "ContentStore"]

MAX_BLOB = 4096
"""Largest artifact blob reindex loads, in bytes."""


@dataclass
class ReindexReport:
    runs: int = 0
    parameters: int = 0
    artifacts: int = 0
    skipped: int = 0  # artifacts too large, or whose blob could not be read


def reindex(
    stores: Stores, flow: str | None = None, datastore_for: DatastoreFor | None = None
) -> ReindexReport:
    """Reindex the runs of `flow` (every flow when None) in `stores`; `datastore_for(run)`
    gives the content store holding a run's blobs (default: the one its record names)."""
    store = stores.provider
    if not isinstance(store, SqlMetadataStore):
        raise MetadataError(
            f"reindex writes the query index with SQL, so it needs a local store, not "
            f"{store.describe()}; run it where the service's store is (--metadata DIR)."
        )
    if datastore_for is None:
        datastore_for = _recorded(stores)
    report = ReindexReport()
    flows = [flow] if flow is not None else [f.flow_name for f in store.list_flows()]
    for name in flows:
        if store.get_flow(name) is None:
            raise MetadataError(f"There is no flow named {name!r} in {store.describe()}.")
        for run in iter_all_runs(store, name):
            _reindex_run(store, datastore_for(run), name, run.run_id, report)
            report.runs += 1
    return report


def _recorded(stores: Stores) -> DatastoreFor:
    from flowscope.client.datastores import RunDatastores
    from flowscope.config import Settings

    return RunDatastores(stores, Settings.from_env())


def _card_keys(value: str) -> list[str]:
    return [record.key for record in decode_records(value)]


def _reindex_run(
    store: SqlMetadataStore, datastore: ContentStore, flow: str, run_id: int, report: ReindexReport
) -> None:
    parameters = store.get_parameters(flow, run_id)
    rows: list[tuple[int, int, str, str, Any]] = []
    for task in store.list_tasks(flow, run_id):
        for record in store.list_artifacts(flow, run_id, task.task_id, task.attempt):
            if record.size > MAX_BLOB:
                continue
            try:
                value = load_artifact(datastore, record.sha, record.serializer)
            except (DataStoreError, ImportError, AttributeError, pickle.UnpicklingError):
                report.skipped += 1
                continue
            value_row = stored_text(scalar_text(value))
            if value_row is not None:
                rows.append((task.task_id, task.attempt, task.step_name, record.name, value_row))
    report.parameters += len(parameters)
    report.artifacts += len(rows)

    def work(conn: Any) -> None:
        query_index.record_parameters(conn, flow, run_id, parameters)
        query_index.record_artifact_rows(conn, flow, run_id, rows)
        query_index.repack(conn, flow, [run_id], ("data",))  # also when no end artifact was read
        blob_refs.backfill_run(conn, flow, run_id, CARDS_FACT, _card_keys)

    store.db.write(work)
