"""What the pages show, read from the metadata provider and each run's own datastore.

Each function takes the stores and the addressed object's ids and returns plain values for a
template; nothing here renders HTML except through the pure SVG modules. A missing object is
`ObjectNotFound` (the app answers 404). Reads are bounded: a run page lists the run's tasks
once (one query) and asks for earlier attempts only of tasks that were retried; a log shows
its last `LOG_LINES` lines; no artifact value is loaded here (previews: preview.py).
"""

from __future__ import annotations

import io
import tarfile
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowscope.cards.graph_svg import GraphView
from flowscope.errors import DataStoreError, ObjectNotFound
from flowscope.logs import decode
from flowscope.metastore.records import FINISHED_STATUSES
from flowscope.ui import graph as graphs
from flowscope.ui.timeline import Bar

if TYPE_CHECKING:
    from collections.abc import Callable

    from flowscope.datastore import ContentStore
    from flowscope.metastore.records import ArtifactRecord, RunRecord, TaskRecord
    from flowscope.stores import Stores

    DatastoreFor = Callable[[RunRecord], ContentStore]

LOG_LINES = 5000
CODE_LIMIT = 8 << 20  # bytes of code package read to list its files
SOURCE_CHARS = 200_000


@dataclass
class RunView:
    record: RunRecord
    parameters: dict[str, Any]
    steps: list[dict[str, Any]]
    graph: GraphView
    bars: list[Bar]
    files: list[tuple[str, int]]
    source: str | None
    duration: float | None
    tasks: int


@dataclass
class TaskView:
    record: TaskRecord
    run: RunRecord
    attempts: list[TaskRecord]
    artifacts: list[ArtifactRecord]
    facts: list[tuple[str, str]]
    logs: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    truncated: dict[str, int] = field(default_factory=dict)


def run_record(stores: Stores, flow: str, run_id: int) -> RunRecord:
    record = stores.provider.get_run(flow, run_id)
    if record is None:
        raise ObjectNotFound(f"Run('{flow}/{run_id}') does not exist.")
    return record


def run_duration(record: RunRecord, now: float) -> float | None:
    if record.status in FINISHED_STATUSES:
        return None if record.finished_at is None else record.finished_at - record.created_at
    if record.status == "lost":
        last = record.heartbeat_at or record.created_at
        return last - record.created_at
    return now - record.created_at


def task_href(base: str, task: TaskRecord, attempt: int | None = None) -> str:
    href = f"{base}/{task.flow_name}/{task.run_id}/{task.step_name}/{task.task_id}"
    return href if attempt is None else f"{href}?attempt={attempt}"


def _bars(stores: Stores, base: str, tasks: list[TaskRecord]) -> list[Bar]:
    bars = []
    for task in tasks:
        records = [task]
        for attempt in range(task.attempt):  # only retried tasks cost a query per attempt
            earlier = stores.provider.get_task(task.flow_name, task.run_id, task.task_id, attempt)
            if earlier is not None:
                records.insert(-1, earlier)
        for rec in records:
            if rec.started_at is None:
                continue
            end = rec.finished_at if rec.status in FINISHED_STATUSES else None
            if rec.status == "lost":
                end = rec.heartbeat_at or rec.started_at
            bars.append(
                Bar(
                    rec.step_name,
                    rec.task_id,
                    rec.attempt,
                    rec.started_at,
                    end,
                    rec.status,
                    task_href(base, rec, rec.attempt),
                    earlier=rec is not task,
                )
            )
    return bars


def _step_state(tasks: list[TaskRecord], now: float) -> graphs.StepState:
    statuses = {t.status for t in tasks}
    for status in ("failed", "lost", "running", "pending"):
        if status in statuses:
            break
    else:
        status = "succeeded"
    starts = [t.started_at for t in tasks if t.started_at is not None]
    ends = [t.finished_at for t in tasks if t.finished_at is not None]
    seconds = None
    if starts:
        done = all(t.status in FINISHED_STATUSES for t in tasks)
        seconds = (max(ends) if done and ends else now) - min(starts)
    return graphs.StepState(status, len(tasks), seconds)


class CodeCache:
    """The files and flow source of code packages read so far, by content hash (a package
    never changes), so a run page polled for live updates reads its package once."""

    def __init__(self, limit: int = 64) -> None:
        self._limit = limit
        self._found: dict[str, tuple[list[tuple[str, int]], str | None]] = {}
        self._lock = threading.Lock()  # handlers run in a thread pool

    def get(
        self, datastore: ContentStore, record: RunRecord
    ) -> tuple[list[tuple[str, int]], str | None]:
        key = record.code_key
        if key is None:
            return [], None
        with self._lock:
            found = self._found.get(key)
        if found is None:
            found = _code(datastore, record)
            with self._lock:
                if len(self._found) >= self._limit:
                    self._found.pop(next(iter(self._found)))
                self._found[key] = found
        return found


def read_run(
    stores: Stores,
    base: str,
    flow: str,
    run_id: int,
    *,
    code: CodeCache | None = None,
    datastore_for: DatastoreFor | None = None,
) -> RunView:
    """A run with its steps' states, graph, timeline, parameters and code files (read from
    the run's own datastore: `datastore_for(record)`, else the pair's)."""
    provider, now = stores.provider, time.time()
    record = run_record(stores, flow, run_id)
    datastore = datastore_for(record) if datastore_for is not None else stores.datastore
    step_records = provider.list_steps(flow, run_id)
    tasks = [t for t in provider.list_tasks(flow, run_id) if not t.step_name.startswith("_")]
    by_step: dict[str, list[TaskRecord]] = {}
    for task in tasks:
        by_step.setdefault(task.step_name, []).append(task)
    states = {s: _step_state(ts, now) for s, ts in by_step.items()}
    if record.status == "lost":
        states = {
            s: graphs.StepState("lost" if st.status in ("running", "pending") else st.status,
                                st.tasks, st.seconds)
            for s, st in states.items()
        }  # fmt: skip
    files, source = (code or CodeCache(1)).get(datastore, record)
    shape = graphs.shape_from_source(source, flow) or graphs.chain(
        [s.step_name for s in step_records if not s.step_name.startswith("_")]
    )
    steps = [
        {
            "name": s.step_name,
            "state": states.get(s.step_name, graphs.StepState("pending", 0, None)),
            "duration": graphs.duration_text(
                states[s.step_name].seconds if s.step_name in states else None
            ),
        }
        for s in step_records
        if not s.step_name.startswith("_")
    ]
    return RunView(
        record=record,
        parameters=provider.get_parameters(flow, run_id),
        steps=steps,
        graph=graphs.graph_view(shape, states),
        bars=_bars(stores, base, tasks),
        files=files,
        source=source,
        duration=run_duration(record, now),
        tasks=len(tasks),
    )


def _code(datastore: ContentStore, record: RunRecord) -> tuple[list[tuple[str, int]], str | None]:
    """The code package's files (name, size) and the flow file's source, if readable."""
    assert record.code_key is not None
    try:
        if datastore.stored_size(record.code_key) > CODE_LIMIT:
            return [], None
        data = bytes(datastore.get(record.code_key))
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            files = [(m.name, m.size) for m in members if not m.name.startswith(".flowscope")]
            script = _script_name(tar)
            source = None
            if script is not None:
                handle = tar.extractfile(script)
                if handle is not None:
                    source = handle.read(SOURCE_CHARS).decode("utf-8", "replace")
            return files, source
    except (DataStoreError, tarfile.TarError, OSError, EOFError, KeyError, ValueError):
        return [], None


def _script_name(tar: tarfile.TarFile) -> str | None:
    import json

    try:
        handle = tar.extractfile(".flowscope_code.json")
    except KeyError:
        return None
    if handle is None:
        return None
    info = json.loads(handle.read(65536).decode("utf-8"))
    name = info.get("script_name") if isinstance(info, dict) else None
    return name if isinstance(name, str) else None


def read_step(
    stores: Stores, flow: str, run_id: int, step: str
) -> tuple[RunRecord, list[TaskRecord]]:
    record = run_record(stores, flow, run_id)
    names = {s.step_name for s in stores.provider.list_steps(flow, run_id)}
    if step not in names:
        raise ObjectNotFound(f"Step('{flow}/{run_id}/{step}') does not exist.")
    return record, stores.provider.list_tasks(flow, run_id, step)


def read_task(
    stores: Stores,
    flow: str,
    run_id: int,
    step: str,
    task_id: int,
    attempt: int | None,
    datastore_for: DatastoreFor | None = None,
) -> TaskView:
    provider = stores.provider
    run = run_record(stores, flow, run_id)
    datastore = datastore_for(run) if datastore_for is not None else stores.datastore
    task = provider.get_task(flow, run_id, task_id, attempt)
    if task is None or task.step_name != step:
        raise ObjectNotFound(f"Task('{flow}/{run_id}/{step}/{task_id}') does not exist.")
    latest = task if attempt is None else provider.get_task(flow, run_id, task_id)
    attempts = []
    for n in range(latest.attempt + 1 if latest is not None else 0):
        rec = latest if latest is not None and n == latest.attempt else None
        rec = rec or provider.get_task(flow, run_id, task_id, n)
        if rec is not None:
            attempts.append(rec)
    artifacts = provider.list_artifacts(flow, run_id, task_id, task.attempt)
    facts = [(f.field, f.value) for f in provider.list_facts(flow, run_id, task_id, task.attempt)]
    view = TaskView(task, run, attempts, sorted(artifacts, key=lambda a: a.name), facts)
    for stream in ("stdout", "stderr"):
        lines = [
            (line.timestamp, line.text)
            for line in decode(log_bytes(stores, task, stream, datastore))
        ]
        if len(lines) > LOG_LINES:
            view.truncated[stream] = len(lines) - LOG_LINES
            lines = lines[-LOG_LINES:]
        view.logs[stream] = lines
    return view


def log_bytes(
    stores: Stores, task: TaskRecord, stream: str, datastore: ContentStore | None = None
) -> bytes:
    """The stream of an attempt: the live file while it runs (where the provider sees it),
    else the stored log (from `datastore`, the run's own; else the pair's)."""
    if task.status not in FINISHED_STATUSES:
        live = stores.provider.read_live_log(
            task.flow_name, task.run_id, task.task_id, task.attempt, stream
        )
        if live is not None:
            return live
    key = task.stdout_key if stream == "stdout" else task.stderr_key
    if key is None:
        return b""
    try:
        return bytes((datastore or stores.datastore).get(key))
    except DataStoreError as exc:
        return f"0 (the {stream} could not be read: {exc})\n".encode()
