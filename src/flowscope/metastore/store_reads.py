"""The record reads of `SqlMetadataStore`: flows, a run's parameters and steps, one task, a
task's artifacts and facts, and the live logs of running attempts (local mode).

Each read is one indexed query.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from flowscope.metastore import blob_refs
from flowscope.metastore.columns import ARTIFACT_COLUMNS
from flowscope.metastore.db import Row
from flowscope.metastore.records import ArtifactRecord, Fact, FlowRecord, StepRecord, TaskRecord
from flowscope.metastore.sqltext import TASK_COLUMNS, TASK_FROM_LATEST
from flowscope.metastore.store_base import StoreBase
from flowscope.tags import validate_tag

_STEP_COLUMNS = tuple(c.name for c in ARTIFACT_COLUMNS)  # the order _step_artifact_rows reads


class StoreReads(StoreBase):
    """Single records and the small lists under one run or task."""

    def list_flows(self, tag: str | None = None) -> list[FlowRecord]:
        if tag is None:
            sql = "SELECT flow_name, created_at FROM flows ORDER BY flow_name"
            params: tuple[str, ...] = ()
        else:
            sql = (
                "SELECT f.flow_name, f.created_at FROM flows f WHERE EXISTS (SELECT 1 FROM "
                "run_tags t WHERE t.tag = ? AND t.flow_name = f.flow_name) ORDER BY f.flow_name"
            )
            params = (validate_tag(tag),)
        rows = self.db.read(lambda c: c.execute(sql, params))
        return [FlowRecord(r[0], r[1]) for r in rows]

    def get_flow(self, flow_name: str) -> FlowRecord | None:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT flow_name, created_at FROM flows WHERE flow_name = ?", (flow_name,)
            )
        )
        return FlowRecord(rows[0][0], rows[0][1]) if rows else None

    def get_parameters(self, flow_name: str, run_id: int) -> dict[str, Any]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT name, value FROM run_params WHERE flow_name = ? AND run_id = ? "
                "ORDER BY name",
                (flow_name, run_id),
            )
        )
        return {name: json.loads(value) for name, value in rows}

    def list_steps(self, flow_name: str, run_id: int) -> list[StepRecord]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT t.step_name, MIN(t.created_at), MAX(a.finished_at), COUNT(*), "
                "SUM(CASE WHEN a.finished_at IS NULL THEN 1 ELSE 0 END) "
                f"{TASK_FROM_LATEST} WHERE t.flow_name = ? AND t.run_id = ? "
                "GROUP BY t.step_name ORDER BY MIN(t.created_at), t.step_name",
                (flow_name, run_id),
            )
        )
        return [
            StepRecord(
                flow_name=flow_name,
                run_id=int(run_id),
                step_name=r[0],
                created_at=r[1],
                finished_at=r[2] if int(r[4] or 0) == 0 else None,
                task_count=int(r[3]),
            )
            for r in rows
        ]

    def get_task(
        self, flow_name: str, run_id: int, task_id: int, attempt: int | None = None
    ) -> TaskRecord | None:
        if attempt is None:
            sql = f"SELECT {TASK_COLUMNS} {TASK_FROM_LATEST} "
            params: tuple[Any, ...] = (flow_name, run_id, task_id)
        else:
            sql = (
                f"SELECT {TASK_COLUMNS} FROM tasks t JOIN attempts a ON "
                "a.flow_name = t.flow_name AND a.run_id = t.run_id AND a.task_id = t.task_id "
                "AND a.attempt = ? "
            )
            params = (attempt, flow_name, run_id, task_id)
        sql += "WHERE t.flow_name = ? AND t.run_id = ? AND t.task_id = ?"
        rows = self.db.read(lambda c: c.execute(sql, params))
        return self._task(rows[0]) if rows else None

    def list_artifacts(
        self, flow_name: str, run_id: int, task_id: int, attempt: int
    ) -> list[ArtifactRecord]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT name, sha, size, type_name, serializer, created_at, inline_blob "
                "FROM artifacts "
                "WHERE flow_name = ? AND run_id = ? AND task_id = ? AND attempt = ? ORDER BY name",
                (flow_name, run_id, task_id, attempt),
            )
        )
        return [_artifact(r) for r in rows]

    def _step_artifact_rows(
        self, flow_name: str, run_id: int, step_name: str, names: Sequence[str]
    ) -> list[Row]:
        """task_id, then the artifact columns (as `_artifact` reads them), by task and name."""
        sql = (
            "SELECT t.task_id, x.name, x.sha, x.size, x.type_name, x.serializer, x.created_at, "
            "x.inline_blob "
            "FROM tasks t JOIN artifacts x ON x.flow_name = t.flow_name AND x.run_id = t.run_id "
            "AND x.task_id = t.task_id AND x.attempt = t.last_attempt "
            "WHERE t.flow_name = ? AND t.run_id = ? AND t.step_name = ?"
        )
        params: list[Any] = [flow_name, run_id, step_name]
        if names:
            sql += f" AND x.name IN ({', '.join('?' * len(names))})"
            params.extend(names)
        return self.db.read(lambda c: c.execute(sql + " ORDER BY t.task_id, x.name", params))

    def list_step_artifacts(
        self, flow_name: str, run_id: int, step_name: str, names: Sequence[str] = ()
    ) -> dict[int, list[ArtifactRecord]]:
        found: dict[int, list[ArtifactRecord]] = {}
        for r in self._step_artifact_rows(flow_name, run_id, step_name, names):
            found.setdefault(int(r[0]), []).append(_artifact(r[1:]))
        return found

    def step_artifact_columns(
        self, flow_name: str, run_id: int, step_name: str, names: Sequence[str] = ()
    ) -> dict[str, list[Any]]:
        """`list_step_artifacts` as columns (metastore/columns.ARTIFACT_COLUMNS), straight
        from the rows with no record built: what the service sends for `columns=true`."""
        rows = self._step_artifact_rows(flow_name, run_id, step_name, names)
        values = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in _STEP_COLUMNS]
        return dict(zip(_STEP_COLUMNS, values, strict=True))

    def list_facts(self, flow_name: str, run_id: int, task_id: int, attempt: int) -> list[Fact]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT field, value, type, created_at FROM task_facts WHERE flow_name = ? "
                "AND run_id = ? AND task_id = ? AND attempt = ? ORDER BY field",
                (flow_name, run_id, task_id, attempt),
            )
        )
        return [Fact(*r) for r in rows]

    def unreferenced(self, keys: Iterable[str]) -> set[str]:
        """The blob keys among `keys` that no record references (blob_refs), e.g. a
        datastore's listing for a garbage collector; one indexed read per batch of keys."""
        return set(self.iter_unreferenced(keys))

    def iter_unreferenced(self, keys: Iterable[str]) -> Iterator[str]:
        """`unreferenced` as a stream, for a listing too large to hold: the keys of each
        batch that nothing references, in the order given (holding one batch at a time)."""
        dialect = self.db.dialect
        for chunk in blob_refs.batches(keys, blob_refs.BATCH[dialect]):
            ask = functools.partial(blob_refs.referenced_of, keys=chunk, dialect=dialect)
            found = self.db.read(ask)
            yield from (key for key in chunk if key not in found)

    def live_log_dir(self) -> Path | None:
        return self.live_dir

    def read_live_log(
        self, flow_name: str, run_id: int, task_id: int, attempt: int, stream: str
    ) -> bytes | None:
        if self.live_dir is None or stream not in ("stdout", "stderr"):
            return None
        path = live_log_path(self.live_dir, flow_name, run_id, task_id, attempt, stream)
        try:
            return path.read_bytes()
        except OSError:
            return None


def _artifact(r: Row) -> ArtifactRecord:
    """name, sha, size, type_name, serializer, created_at, inline_blob."""
    return ArtifactRecord(r[0], r[1], r[2], r[3], r[4], r[5], inline=r[6])


def live_log_path(
    live_dir: Path, flow_name: str, run_id: int, task_id: int, attempt: int, stream: str
) -> Path:
    """Where a running attempt's log is appended to while it runs (local mode)."""
    return live_dir / flow_name / str(int(run_id)) / f"{int(task_id)}.{int(attempt)}.{stream}"
