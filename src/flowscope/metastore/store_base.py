"""What every part of `SqlMetadataStore` shares: the database, the clock, and the decoding of
rows into records as of now.

`lost_after` is how many seconds without a heartbeat make a running run or attempt read as
lost; every read decodes its rows against the cutoff the clock gives (`_cutoff`). `get_run`
lives here too: the writes that create or change a run answer with its record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from flowscope.metastore.db import Database, Row
from flowscope.metastore.records import RunRecord, TaskRecord
from flowscope.metastore.sqltext import RUN_COLUMNS, run_from_row, task_from_row


class StoreBase:
    """The state of a `SqlMetadataStore`, shared by its writes, reads and listings."""

    def __init__(
        self,
        db: Database,
        *,
        lost_after: float = 60.0,
        description: str | None = None,
        live_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.lost_after = lost_after
        self._description = description or f"sql@{db.describe()}"
        self._clock = clock
        self.live_dir = live_dir

    # ---- identity --------------------------------------------------------------------
    def describe(self) -> str:
        return self._description

    def close(self) -> None:
        self.db.close()

    # ---- conversions -----------------------------------------------------------------
    def _cutoff(self) -> float:
        return self._clock() - self.lost_after

    def _run(self, row: Row) -> RunRecord:
        return run_from_row(row, self._cutoff())

    def _task(self, row: Row) -> TaskRecord:
        return task_from_row(row, self._cutoff())

    def get_run(self, flow_name: str, run_id: int) -> RunRecord | None:
        rows = self.db.read(
            lambda c: c.execute(
                f"SELECT {RUN_COLUMNS} FROM runs r WHERE r.flow_name = ? AND r.run_id = ?",
                (flow_name, run_id),
            )
        )
        return self._run(rows[0]) if rows else None
