"""The one query layer: every metadata question and write, as SQL over a `Database`.

Used directly by the embedded local provider, and by the service over PostgreSQL or
SQLite. Each public method is one transaction; each read the client makes is one indexed
query (listing runs, a run's steps, a step's tasks, a task's artifact index).

`SqlMetadataStore` is assembled from one part per job, over their shared state:

    store_base.py      the database, the clock, rows decoded into records; get_run
    store_writes.py    create_run, heartbeat, finish_run, create_tasks, start_attempts,
                       finish_attempts, update_tags
    store_reads.py     list_flows, get_flow, get_parameters, list_steps, get_task,
                       list_artifacts, list_step_artifacts, list_facts, live logs,
                       unreferenced (the blob references, blob_refs.py)
    store_listings.py  list_runs, list_run_rows, list_tasks, list_task_rows (filtered
                       through the scalar index), and iter_all_runs over the pages
"""

from __future__ import annotations

from flowscope.metastore.store_listings import StoreListings, iter_all_runs
from flowscope.metastore.store_reads import StoreReads, live_log_path
from flowscope.metastore.store_writes import StoreWrites

__all__ = ["SqlMetadataStore", "iter_all_runs", "live_log_path"]


class SqlMetadataStore(StoreWrites, StoreReads, StoreListings):
    """The metadata provider over SQL. `lost_after`: seconds without a heartbeat after
    which a running run or attempt is reported as lost."""
