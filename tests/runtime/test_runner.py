"""The runner drives real runs in process, over a local store, with either executor."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

from flowscope.errors import RunError, RunInterrupted
from flowscope.metastore.queries import RunQuery

from .support import FlakyFlow, InlineExecutor, NestedFlow, datastore, run_flow


def artifacts(provider, flow: str, run_id: int, step: str) -> list[dict]:
    from flowscope.datastore import load_artifact

    store = datastore(Path(provider.describe().split("@", 1)[1]))
    found = []
    for _, records in sorted(provider.list_step_artifacts(flow, run_id, step).items()):
        found.append({r.name: load_artifact(store, r.sha, r.serializer) for r in records})
    return found


def test_foreach_stack_inside_nested_foreaches_gives_each_level_its_item(tmp_path: Path):
    result, provider, _ = run_flow(NestedFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded"
    (end,) = artifacts(provider, "NestedFlow", result.run_id, "outer_join")
    expected = [
        [(i, 2, x), (j, 3, y)] for i, x in enumerate("ab") for j, y in enumerate([10, 20, 30])
    ]
    # the first step of the inner body, and the step after it, see the same levels
    assert [first for first, _ in end["seen"]] == expected
    assert [second for _, second in end["seen"]] == expected
    # the inner join closes the inner level: only the outer one is left, and a join reads
    # no artifact it has not merged, so its value is None there, as in the family
    assert end["joins"] == [[(0, 2, None)], [(1, 2, None)]]


def test_recorded_foreach_stacks_keep_their_format(tmp_path: Path):
    result, provider, _ = run_flow(NestedFlow, tmp_path / ".flowscope")
    tasks = provider.list_tasks("NestedFlow", result.run_id, "inner")
    assert sorted(t.foreach_stack for t in tasks)[0] == (
        ["start", 0, 2, True],
        ["outer", 0, 3, True],
    )


def test_a_second_executor_plugs_in_without_touching_the_runner(tmp_path: Path):
    made = []

    def factory(work, on_output, capacity):
        made.append(InlineExecutor(work, on_output, capacity))
        return made[-1]

    result, provider, output = run_flow(NestedFlow, tmp_path / ".flowscope", executor=factory)
    assert result.status == "succeeded"
    (executor,) = made
    assert executor.capacity == 4 and len(executor.submitted) == 1 + 2 + 6 + 6 + 2 + 1 + 1
    (end,) = artifacts(provider, "NestedFlow", result.run_id, "outer_join")
    assert [j[0][:2] for j in end["joins"]] == [(0, 2), (1, 2)]
    task = provider.list_tasks("NestedFlow", result.run_id, "end")[0]
    facts = {f.field: f.value for f in provider.list_facts("NestedFlow", 1, task.task_id, 0)}
    assert facts["runtime"] == "inline" and facts["worker"] == "inline-worker"
    assert "ran (" in output  # the executor's output lines reach the console


def test_retry_then_catch_are_recorded_attempt_by_attempt(tmp_path: Path):
    result, provider, output = run_flow(FlakyFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    (flaky,) = provider.list_tasks("FlakyFlow", 1, "flaky")
    assert flaky.attempt == 1 and flaky.status == "succeeded"
    first = provider.get_task("FlakyFlow", 1, flaky.task_id, 0)
    assert first.status == "failed"
    (risky,) = artifacts(provider, "FlakyFlow", 1, "risky")
    assert risky["problem"].type == "builtins.RuntimeError"
    assert "handled by @catch" in output


def test_resume_clones_what_succeeded(tmp_path: Path):
    from flowscope.runtime.resume import ResumePlan

    root = tmp_path / ".flowscope"
    first, provider, _ = run_flow(NestedFlow, root)
    plan = ResumePlan(provider, "NestedFlow", first.run_id)
    second, provider, output = run_flow(NestedFlow, root, resume=plan)
    assert second.status == "succeeded" and "cloned from" in output
    (end,) = artifacts(provider, "NestedFlow", second.run_id, "outer_join")
    assert [j[0][:2] for j in end["joins"]] == [(0, 2), (1, 2)]


def test_max_workers_below_one_is_refused(tmp_path: Path):
    with pytest.raises(RunError, match="--max-workers must be at least 1, got 0"):
        run_flow(NestedFlow, tmp_path / ".flowscope", max_workers=0)


def test_run_interrupted_is_a_run_error_with_exit_code_130(tmp_path: Path):
    """A stop requested before the run is recorded records nothing; during the run, the
    runner ends its workers and raises RunInterrupted (a RunError, exit code 130)."""
    import os
    import signal

    class StopAtOnce(InlineExecutor):
        def poll(self, timeout):
            if not self._cancelled:  # the first poll: Ctrl-C, once
                self._cancelled.add((0, 0))
                os.kill(os.getpid(), signal.SIGINT)
                return []
            return super().poll(timeout)

    with pytest.raises(RunInterrupted) as caught:
        run_flow(NestedFlow, tmp_path / ".flowscope", executor=StopAtOnce)
    assert isinstance(caught.value, RunError) and caught.value.exit_code == 130
    assert "resume 1" in str(caught.value)
    from flowscope.metastore.local import open_local

    provider = open_local(tmp_path / ".flowscope", create=False)
    (run,) = provider.list_runs("NestedFlow", RunQuery()).items
    assert run.status == "failed"
    (start,) = provider.list_tasks("NestedFlow", 1, "start")
    assert start.status == "failed" and start.exception["type"] == "KeyboardInterrupt"


class _CtrlCAfter(sqlite3.Connection):
    """The store's connection, on which Ctrl-C arrives while the `at`-th `statement` since
    the run was created runs: SQLite completes it, then the runner's handler sees the signal."""

    statement = ""
    at = 0
    seen = -1  # -1 until the run is created

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        cursor = super().execute(sql, *args)
        cls = type(self)
        if sql.startswith("INSERT INTO runs "):
            cls.seen = 0
        elif sql == cls.statement and cls.seen >= 0:
            cls.seen += 1
            if cls.seen == cls.at:
                os.kill(os.getpid(), signal.SIGINT)
        return cursor


@pytest.mark.parametrize("statement", ["BEGIN IMMEDIATE", "COMMIT"])
def test_ctrl_c_inside_any_store_write_still_ends_the_run_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str
):
    """Ctrl-C delivered inside each write the runner makes, one write per trial (the flush of
    new tasks, starts and results, heartbeats, the run's finish): the run always ends recorded,
    failed with the resume hint or succeeded, and no attempt is left running. (A Ctrl-C inside
    BEGIN IMMEDIATE used to leave the transaction open, so the interrupt's own writes failed
    and the run stayed `running`.)"""
    from flowscope.metastore.db import SqliteDatabase

    def connect(db: SqliteDatabase) -> sqlite3.Connection:
        return sqlite3.connect(db.path, timeout=5.0, isolation_level=None, factory=_CtrlCAfter)

    monkeypatch.setattr(SqliteDatabase, "_open", connect)
    monkeypatch.setattr(_CtrlCAfter, "statement", statement)
    monkeypatch.setattr(_CtrlCAfter, "at", 0)
    run_flow(NestedFlow, tmp_path / "count", executor=InlineExecutor)
    writes = _CtrlCAfter.seen  # how many the run makes
    assert writes >= 5
    interrupted = 0
    for at in range(1, writes + 1):
        monkeypatch.setattr(_CtrlCAfter, "at", at)
        monkeypatch.setattr(_CtrlCAfter, "seen", -1)
        root = tmp_path / f"at{at}"
        try:
            result, provider, _ = run_flow(NestedFlow, root, executor=InlineExecutor)
            status = result.status
        except RunInterrupted as exc:
            assert "is recorded as failed" in str(exc) and "resume 1" in str(exc), (at, exc)
            interrupted += 1
            status = "failed"
            from flowscope.metastore.local import open_local

            provider = open_local(root, create=False)
        (run,) = provider.list_runs("NestedFlow", RunQuery()).items
        assert run.status == status, (at, run.status)
        for step in ("start", "outer", "inner", "later", "inner_join", "outer_join", "end"):
            for task in provider.list_tasks("NestedFlow", 1, step):
                assert task.status != "running", (at, task)
    assert interrupted >= writes - 2  # all but the writes made once the loop has ended


def test_an_interrupted_run_is_finished_even_when_its_last_results_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """On the way out after Ctrl-C, a refused flush of the last results does not skip the
    run's finish: the run is recorded failed (its attempts with it), and the message says
    what could not be recorded."""
    from flowscope.errors import MetadataError
    from flowscope.metastore.local import open_local
    from flowscope.metastore.store import SqlMetadataStore

    finish_attempts = SqlMetadataStore.finish_attempts

    def refuse_interrupted(self, flow_name, run_id, results):  # type: ignore[no-untyped-def]
        if any((r.exception or {}).get("type") == "KeyboardInterrupt" for r in results):
            raise MetadataError("the store refused the batch")
        finish_attempts(self, flow_name, run_id, results)

    monkeypatch.setattr(SqlMetadataStore, "finish_attempts", refuse_interrupted)

    class StopAtOnce(InlineExecutor):
        def poll(self, timeout):
            if not self._cancelled:  # the first poll: Ctrl-C, once
                self._cancelled.add((0, 0))
                os.kill(os.getpid(), signal.SIGINT)
                return []
            return super().poll(timeout)

    with pytest.raises(RunInterrupted) as caught:
        run_flow(NestedFlow, tmp_path / ".flowscope", executor=StopAtOnce)
    message = str(caught.value)
    assert "recorded as failed" in message and "the store refused the batch" in message
    assert "resume 1" in message
    provider = open_local(tmp_path / ".flowscope", create=False)
    (run,) = provider.list_runs("NestedFlow", RunQuery()).items
    assert run.status == "failed"
    (start,) = provider.list_tasks("NestedFlow", 1, "start")
    assert start.status == "failed"


def test_an_executor_that_lost_its_engine_fails_the_run_with_the_resume_command(tmp_path: Path):
    """A cluster executor whose scheduler is gone raises ExecutorLost from poll: the runner
    ends what is in flight, records it and the run as failed, and says how to go on."""
    from flowscope.errors import ExecutorLost

    ended = []

    class LosesItsScheduler(InlineExecutor):
        def poll(self, timeout):
            raise ExecutorLost("the Dask scheduler at tcp://gone:8786 was lost")

        def shutdown(self, grace=2.0):  # ends what was in flight, polling nothing
            ended.append(True)
            self._queued.clear()
            return []

    with pytest.raises(ExecutorLost) as caught:
        run_flow(NestedFlow, tmp_path / ".flowscope", executor=LosesItsScheduler)
    message = str(caught.value)
    assert "tcp://gone:8786 was lost" in message and "resume 1" in message
    assert ended and not isinstance(caught.value, RunInterrupted)
    from flowscope.metastore.local import open_local

    provider = open_local(tmp_path / ".flowscope", create=False)
    (run,) = provider.list_runs("NestedFlow", RunQuery()).items
    assert run.status == "failed"
    (start,) = provider.list_tasks("NestedFlow", 1, "start")
    assert start.status == "failed"
