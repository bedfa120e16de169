"""The metadata provider protocol: what the runtime writes and the client reads.

Artifact data, logs and code packages are not the provider's business: they live in a
datastore chosen by its own address (`flowscope.stores` resolves the pair).

Two implementations answer it identically: `SqlMetadataStore` (the embedded local store,
and the engine behind the service) and `HttpMetadataProvider` (a client of the service).
Every method is one round trip; writes come in batches so a wide foreach costs a handful of
calls, not one per task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import Page, RunQuery, TaskRow
from flowscope.metastore.records import (
    ArtifactRecord,
    Fact,
    FlowRecord,
    RunRecord,
    StepRecord,
    TaskRecord,
)

if TYPE_CHECKING:
    from pathlib import Path

    from flowscope.metastore.run_index import RunIndex
    from flowscope.metastore.run_table import RunTable


class MetadataProvider(Protocol):
    # ---- identity --------------------------------------------------------------------
    def describe(self) -> str:
        """`local@<dir>` or `service@<url>`."""
        ...

    # ---- writes (the runtime) --------------------------------------------------------
    def create_run(self, run: NewRun) -> RunRecord: ...

    def heartbeat(
        self,
        flow_name: str,
        run_id: int,
        tasks: Sequence[tuple[int, int]] = (),
        logs: Sequence[tuple[int, int, str | None, str | None]] = (),
        facts: Sequence[tuple[int, int, Fact]] = (),
    ) -> None:
        """Mark the run, and the given (task_id, attempt) pairs, alive now. `logs` gives
        (task_id, attempt, stdout_key, stderr_key): the output so far of running attempts,
        as blobs, for providers that cannot see a worker's live log files. `facts` gives
        (task_id, attempt, fact): facts of running attempts so far (their latest refreshed
        cards), set only while the attempt runs; finish_attempts records the final ones."""
        ...

    def finish_run(self, flow_name: str, run_id: int, status: str) -> None: ...

    def create_tasks(self, flow_name: str, run_id: int, tasks: Sequence[NewTask]) -> None: ...

    def start_attempts(
        self, flow_name: str, run_id: int, attempts: Sequence[AttemptStart]
    ) -> None: ...

    def finish_attempts(
        self, flow_name: str, run_id: int, results: Sequence[AttemptResult]
    ) -> None:
        """Commit finished attempts: status, artifacts, facts and logs become visible at once."""
        ...

    def update_tags(
        self, flow_name: str, run_id: int, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> RunRecord:
        """Atomically add and remove user tags; a system tag cannot be removed (TagError)."""
        ...

    # ---- reads (the client) ----------------------------------------------------------
    def list_flows(self, tag: str | None = None) -> list[FlowRecord]:
        """Flows with at least one run carrying `tag` (every flow for None), by name."""
        ...

    def get_flow(self, flow_name: str) -> FlowRecord | None: ...

    def list_runs(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:
        """A page of RunRecords, newest first; `query.where` is a filter (filters.py)."""
        ...

    def list_run_rows(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:
        """The same page as `list_runs`, as RunRows: each run with its scalar parameters and
        its end task's scalar artifacts (what `to_pandas()` shows), in one call."""
        ...

    def list_run_table(self, flow_name: str, query: RunQuery = RunQuery()) -> RunTable:
        """The same page as `list_runs` as columns, with each run's packed scalar values
        (run_table.py): the bulk read behind `to_pandas()`, one call per page."""
        ...

    def check_filter(self, flow_name: str, where: str, step_name: str | None = None) -> None:
        """Raise QueryError unless `where` is a valid filter of the runs of `flow_name`
        (with `step_name`: of the tasks of that step). Reads no run."""
        ...

    def get_run(self, flow_name: str, run_id: int) -> RunRecord | None: ...

    def get_parameters(self, flow_name: str, run_id: int) -> dict[str, Any]: ...

    def list_steps(self, flow_name: str, run_id: int) -> list[StepRecord]: ...

    def list_tasks(
        self,
        flow_name: str,
        run_id: int,
        step_name: str | None = None,
        where: str | None = None,
    ) -> list[TaskRecord]:
        """Tasks with their latest attempt, by task id; `where` (a filter, with a step) keeps
        the tasks it matches."""
        ...

    def list_task_rows(
        self, flow_name: str, run_id: int, step_name: str, where: str | None = None
    ) -> list[TaskRow]:
        """The tasks `list_tasks` gives, as TaskRows: each with its scalar artifacts and its
        foreach input (what `tasks(...).to_pandas()` shows), in one call."""
        ...

    def list_run_index(self, flow_name: str, run_id: int) -> RunIndex:
        """Every task of a run (as `list_tasks`) with its latest attempt's artifact records
        (as `list_step_artifacts`, for every step), in one call: what a run diff reads."""
        ...

    def get_task(
        self, flow_name: str, run_id: int, task_id: int, attempt: int | None = None
    ) -> TaskRecord | None: ...

    def list_artifacts(
        self, flow_name: str, run_id: int, task_id: int, attempt: int
    ) -> list[ArtifactRecord]: ...

    def list_step_artifacts(
        self, flow_name: str, run_id: int, step_name: str, names: Sequence[str] = ()
    ) -> dict[int, list[ArtifactRecord]]:
        """The artifact index of every task of a step (latest attempts), in one call."""
        ...

    def list_facts(self, flow_name: str, run_id: int, task_id: int, attempt: int) -> list[Fact]: ...

    def live_log_dir(self) -> Path | None:
        """Capability: the directory where a runner appends the logs of running attempts so
        that this provider's readers see them live (layout: `metastore.store.live_log_path`),
        or None when the readers cannot see the runner's files; then the runner sends the
        output so far with its heartbeats instead."""
        ...

    def read_live_log(
        self, flow_name: str, run_id: int, task_id: int, attempt: int, stream: str
    ) -> bytes | None:
        """The log of an attempt still running (flowscope.logs format), if this provider can
        see it; None otherwise. Finished attempts have their logs in the content store."""
        ...

    def close(self) -> None: ...
