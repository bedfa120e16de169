"""The run's writes, gathered during a turn of the runner's loop and committed together.

New tasks, started attempts and finished attempts are kept here and written by `flush()` in
one provider call per kind, so a thousand-way foreach costs a handful of store transactions,
not thousands. The runner is the run's only writer; everything goes through its journal.
"""

from __future__ import annotations

from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewTask
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import Fact
from flowscope.runtime.executor import Placement


class Journal:
    __slots__ = ("provider", "flow_name", "run_id", "tasks", "starts", "results")
    provider: MetadataProvider
    flow_name: str
    run_id: int
    tasks: list[NewTask]
    starts: list[AttemptStart]
    results: list[AttemptResult]

    def __init__(
        self,
        provider: MetadataProvider,
        flow_name: str,
        run_id: int,
        tasks: list[NewTask] | None = None,
        starts: list[AttemptStart] | None = None,
        results: list[AttemptResult] | None = None,
    ) -> None:
        self.provider = provider
        self.flow_name = flow_name
        self.run_id = run_id
        self.tasks = [] if tasks is None else tasks
        self.starts = [] if starts is None else starts
        self.results = [] if results is None else results

    def __len__(self) -> int:
        return len(self.tasks) + len(self.starts) + len(self.results)

    def flush(self) -> None:
        """Commit what was gathered: tasks before their attempts, starts before results.

        What a failed call held is dropped with it (the store did not take it; the run
        stops). A flush interrupted by Ctrl-C keeps what it had not yet committed for the
        next flush (every batch is safe to send twice)."""
        tasks, starts, results = self.tasks, self.starts, self.results
        self.tasks, self.starts, self.results = [], [], []
        step = "tasks"
        try:
            if tasks:
                self.provider.create_tasks(self.flow_name, self.run_id, tasks)
            step = "starts"
            if starts:
                self.provider.start_attempts(self.flow_name, self.run_id, starts)
            step = "results"
            if results:
                self.provider.finish_attempts(self.flow_name, self.run_id, results)
        except KeyboardInterrupt:
            if step == "tasks":
                self.tasks = tasks + self.tasks
            if step in ("tasks", "starts"):
                self.starts = starts + self.starts
            self.results = results + self.results
            raise


def attempt_facts(
    attempt: int, where: Placement, foreach_count: int | None, handled: bool
) -> tuple[Fact, ...]:
    """The facts recorded with a finished attempt: which attempt, where it ran, and what the
    scheduler and the client need to know of its outcome."""
    facts = [Fact("attempt", str(attempt), "int")]
    if where.pid is not None:  # unknown for an attempt lost with its remote worker
        facts.append(Fact("pid", str(where.pid), "int"))
    if where.host:
        facts.append(Fact("hostname", where.host, "str"))
    facts.append(Fact("runtime", where.runtime, "str"))
    if where.worker:
        facts.append(Fact("worker", where.worker, "str"))
    if foreach_count is not None:
        facts.append(Fact("foreach-count", str(foreach_count), "int"))
    if handled:
        facts.append(Fact("handled-by", "catch", "str"))
    return tuple(facts)
