"""What an ended attempt means (runtime/outcomes.py): values in, values out, no store."""

from __future__ import annotations

import time

import pytest

from flowscope.errors import ExecutorLost, MetadataError, RunInterrupted, StoreVanished
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.executor import CANCELLED, Done, Placement
from flowscope.runtime.gangs import Gangs
from flowscope.runtime.outcomes import (
    Backlog,
    attempt_result,
    interrupted_result,
    judge,
    stopped_error,
    unrecorded_error,
    with_parameters,
)
from flowscope.runtime.spec import StepRules, TaskSpec
from flowscope.runtime.task import TaskOutcome


def rules(**kw) -> StepRules:
    base = dict(is_join=False, targets=("end",), split_var=None, retries=0, retry_delay=0.0)
    base.update(timeout=None, catch_var=None)
    base.update(kw)
    return StepRules(**base)


def spec(attempt: int = 0, task_id: int = 7) -> TaskSpec:
    return TaskSpec(task_id, "train", (), (), attempt=attempt)


def done(outcome: TaskOutcome | None, failure: str | None = None) -> Done[TaskOutcome]:
    return Done((7, 0), outcome, failure, Placement("local", "h", 42), time.time())


def record(name: str) -> ArtifactRecord:
    return ArtifactRecord(name, "sha-" + name, 1, "builtins.int", "pickle", 0.0, "1")


WORK = None  # judge needs the run's work only for @catch without a process (not these cases)


def test_a_success_keeps_its_artifacts_and_gains_the_parameters_it_did_not_set():
    ok = TaskOutcome(ok=True, artifacts=[record("x"), record("alpha")])
    verdict = judge(done(ok), spec(), rules(), WORK, Gangs(), [record("alpha"), record("beta")])
    assert verdict.next == "succeed" and verdict.status == "succeeded" and verdict.good
    assert [a.name for a in verdict.artifacts] == ["alpha", "beta", "x"]
    assert verdict.artifacts[0].sha == "sha-alpha" and verdict.note is None


def test_a_failure_with_attempts_left_is_retried_and_the_last_one_fails_the_run():
    bad = TaskOutcome(ok=False, exception={"message": "boom"})
    first = judge(done(bad), spec(0), rules(retries=1), WORK, Gangs(), [record("alpha")])
    assert first.next == "retry" and first.status == "failed" and first.artifacts == []
    last = judge(done(bad), spec(1), rules(retries=1), WORK, Gangs(), [])
    assert last.next == "fail" and last.message == "boom" and not last.good


def test_a_worker_that_gave_no_outcome_is_a_crash_said_on_the_tasks_stderr():
    verdict = judge(done(None, "the worker died"), spec(), rules(), WORK, Gangs(), [])
    assert verdict.next == "fail" and not verdict.outcome.ok
    assert verdict.note is not None and verdict.note.startswith("flowscope: ")
    assert "the worker died" in verdict.message and verdict.message in verdict.note


def test_a_handled_failure_goes_on_except_where_it_must_choose():
    handled = TaskOutcome(ok=False, handled=True, exception={"message": "caught"})
    go_on = judge(done(handled), spec(), rules(catch_var="e"), WORK, Gangs(), [])
    assert go_on.next == "succeed" and go_on.status == "handled by @catch" and go_on.good
    switch = judge(done(handled), spec(), rules(catch_var="e", switch=True), WORK, Gangs(), [])
    assert switch.next == "fail" and "cannot stand in for a switch" in switch.message
    split = judge(done(handled), spec(), rules(catch_var="e", split_var="xs"), WORK, Gangs(), [])
    assert split.next == "fail"


def test_a_gang_member_is_left_to_the_gang_with_its_message_only_when_it_failed():
    member = TaskSpec(7, "train", (), (), gang=(7, 8))
    bad = TaskOutcome(ok=False, exception={"message": "boom"})
    verdict = judge(done(bad), member, rules(), WORK, Gangs(), [])
    assert verdict.next == "gang" and verdict.message == "boom"
    good = judge(done(TaskOutcome(ok=True)), member, rules(), WORK, Gangs(), [])
    assert good.next == "gang" and good.message == ""


def test_a_cancelled_attempt_without_a_gang_reads_as_cancelled():
    verdict = judge(done(None, CANCELLED), spec(), rules(), WORK, Gangs(), [])
    assert verdict.next == "fail" and verdict.message


def test_the_attempt_record_carries_outcome_placement_logs_and_environment():
    ok = TaskOutcome(ok=True, artifacts=[record("x")], foreach_values=("a", "b"))
    verdict = judge(done(ok), spec(), rules(split_var="xs"), WORK, Gangs(), [])
    result = attempt_result(spec(), verdict, done(ok), ("out", "err"), "env", ())
    assert result.status == "succeeded" and result.task_id == 7 and result.attempt == 0
    assert (result.stdout_key, result.stderr_key, result.env_key) == ("out", "err", "env")
    facts = {f.field: f.value for f in result.facts}
    assert facts["pid"] == "42" and facts["runtime"] == "local"
    assert [a.name for a in result.artifacts] == ["x"]


def test_an_interrupted_attempt_is_recorded_failed_as_interrupted():
    result = interrupted_result(spec(2), (None, "err"), None)
    assert result.status == "failed" and result.attempt == 2 and result.stderr_key == "err"
    assert result.exception is not None and "interrupt" in result.exception["message"].lower()


def test_with_parameters_sorts_only_when_something_is_added():
    mine = [record("z"), record("a")]
    assert with_parameters(mine, [record("a")]) is mine
    assert [r.name for r in with_parameters(mine, [record("m")])] == ["a", "m", "z"]


def test_the_backlog_holds_retries_until_their_time_and_a_gang_as_one():
    backlog = Backlog()
    assert not backlog and backlog.wait(time.time()) is None
    backlog.retry([spec(1, 1)], 0.0)
    assert [s.task_id for s in backlog.ready] == [1]
    backlog.ready.clear()
    backlog.retry([spec(1, 2), spec(1, 3)], 60.0)
    now = time.time()
    assert backlog and not backlog.ready and 59 < (backlog.wait(now) or 0) <= 60
    backlog.release(now)
    assert not backlog.ready
    backlog.release(now + 61)
    assert [s.task_id for s in backlog.ready] == [2, 3] and backlog.wait(now) is None


def test_stopped_errors_say_what_happened_and_how_to_go_on():
    hint = "Continue it with: python f.py resume 3"
    interrupted = stopped_error("F/3", hint, None)
    assert isinstance(interrupted, RunInterrupted)
    assert str(interrupted) == f"Run F/3 was interrupted and is recorded as failed. {hint}"
    lost = stopped_error("F/3", hint, ExecutorLost("the scheduler is gone"))
    assert isinstance(lost, ExecutorLost) and "stopped: the scheduler is gone" in str(lost)
    refused = stopped_error("F/3", hint, None, unrecorded=MetadataError("full"))
    assert "its last results could not be recorded: full" in str(refused)
    unfinished = stopped_error("F/3", hint, None, unfinished=MetadataError("down"))
    assert "its end could not be recorded (down)" in str(unfinished) and hint in str(unfinished)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (MetadataError("no answer"), "Once the metadata store answers again"),
        (StoreVanished("the store is gone."), "run the flow again to record it anew"),
    ],
)
def test_unrecorded_errors_name_what_to_wait_for(exc, expected):
    message = str(unrecorded_error(exc, "F/3", "python f.py resume 3"))
    assert message.startswith("Run F/3 stopped") and expected in message
