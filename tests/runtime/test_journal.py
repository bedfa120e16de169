"""The journal batches a turn's writes into one call per kind, in dependency order."""

from __future__ import annotations

from typing import Any

from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewTask
from flowscope.runtime.executor import Placement
from flowscope.runtime.journal import Journal, attempt_facts


class Recorder:
    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[tuple[str, str, int, int]] = []
        self.fail_on = fail_on

    def __getattr__(self, name: str) -> Any:
        def call(flow: str, run_id: int, items: list[Any]) -> None:
            if name == self.fail_on:
                raise OSError("refused")
            self.calls.append((name, flow, run_id, len(items)))

        return call


def test_a_flush_is_one_call_per_kind_tasks_then_starts_then_results() -> None:
    provider = Recorder()
    journal = Journal(provider, "F", 3)  # type: ignore[arg-type]
    for i in range(1, 501):
        journal.tasks.append(NewTask("body", i))
        journal.starts.append(AttemptStart(i, 0))
    journal.results.append(AttemptResult(1, 0, "succeeded"))
    assert len(journal) == 1001
    journal.flush()
    assert provider.calls == [
        ("create_tasks", "F", 3, 500),
        ("start_attempts", "F", 3, 500),
        ("finish_attempts", "F", 3, 1),
    ]
    assert len(journal) == 0
    journal.flush()  # nothing gathered: nothing written
    assert len(provider.calls) == 3


def test_a_failed_flush_drops_its_batch_and_raises() -> None:
    provider = Recorder(fail_on="start_attempts")
    journal = Journal(provider, "F", 1)  # type: ignore[arg-type]
    journal.tasks.append(NewTask("a", 1))
    journal.starts.append(AttemptStart(1, 0))
    try:
        journal.flush()
    except OSError:
        pass
    else:
        raise AssertionError("the failure was swallowed")
    assert len(journal) == 0 and provider.calls == [("create_tasks", "F", 1, 1)]


def test_attempt_facts_say_where_it_ran_and_what_the_outcome_needs() -> None:
    local = attempt_facts(2, Placement("local", "h", 42), None, False)
    assert [(f.field, f.value) for f in local] == [
        ("attempt", "2"),
        ("pid", "42"),
        ("hostname", "h"),
        ("runtime", "local"),
    ]
    remote = attempt_facts(0, Placement("dask", "w1", 7, "tcp://10.0.0.2:3456"), 5, True)
    assert {f.field: f.value for f in remote} == {
        "attempt": "0",
        "pid": "7",
        "hostname": "w1",
        "runtime": "dask",
        "worker": "tcp://10.0.0.2:3456",
        "foreach-count": "5",
        "handled-by": "catch",
    }


def test_a_flush_interrupted_by_ctrl_c_keeps_what_was_not_committed() -> None:
    class Interrupting(Recorder):
        def __getattr__(self, name: str) -> Any:
            if name == "start_attempts":

                def interrupted(*args: Any) -> None:
                    raise KeyboardInterrupt

                return interrupted
            return super().__getattr__(name)

    provider = Interrupting()
    journal = Journal(provider, "F", 1)  # type: ignore[arg-type]
    journal.tasks.append(NewTask("a", 1))
    journal.starts.append(AttemptStart(1, 0))
    journal.results.append(AttemptResult(1, 0, "succeeded"))
    try:
        journal.flush()
    except KeyboardInterrupt:
        pass
    assert provider.calls == [("create_tasks", "F", 1, 1)]
    assert (len(journal.tasks), len(journal.starts), len(journal.results)) == (0, 1, 1)
    journal.provider = Recorder()  # type: ignore[assignment]
    journal.flush()
    assert [c[0] for c in journal.provider.calls] == ["start_attempts", "finish_attempts"]  # type: ignore[attr-defined]
