"""Step: tasks, the single task of a foreach, completion (client/step.py)."""

from __future__ import annotations

import pytest

from flowscope.client import Run, Step, Task
from flowscope.errors import InvalidPathspec, ObjectNotFound


def test_tasks_newest_first(client, builder):
    run = builder.foreach(4)
    ids = [t.id for t in Step(f"{run.pathspec}/square")]
    assert ids == [str(i) for i in sorted(run.tasks["square"], reverse=True)]
    assert len(Step(f"{run.pathspec}/square")) == 4


def test_task_of_a_foreach_step_is_the_lowest_index(client, builder):
    run = builder.new_run("Shuffled")
    for index in (2, 0, 1):  # task ids do not follow the index
        builder.task(run, "each", {"i": index}, foreach_index=index)
    task = Step(f"{run.pathspec}/each").task
    assert task.index == 0 and task.data.i == 0


def test_task_of_a_plain_step(client, builder):
    run = builder.hello()
    step = Step(f"{run.pathspec}/start")
    assert step.task == Task(run.task("start"))
    assert step.task.index is None


def test_task_of_a_step_without_tasks_started(client, builder):
    run = builder.new_run("Pending")
    builder.task(run, "start", status="pending")
    step = Step(f"{run.pathspec}/start")
    assert step.task.status == "pending" and not step.finished


def test_finished_at_waits_for_every_task(client, builder):
    run = builder.new_run("Partial")
    builder.task(run, "many", {}, foreach_index=0)
    running = builder.task(run, "many", status=None, foreach_index=1)
    step = Step(f"{run.pathspec}/many")
    assert step.finished_at is None and not step.finished
    from flowscope.metastore.new_records import AttemptResult

    builder.provider.finish_attempts(
        run.flow, run.run_id, [AttemptResult(running, 0, "succeeded", finished_at=builder.tick())]
    )
    assert step.finished_at is not None  # refetched while unfinished
    assert step.finished_at.timestamp() == pytest.approx(builder.now)


def test_tasks_filter(client, builder):
    run = builder.hello(tags=["x"])
    step = Step(f"{run.pathspec}/hello")
    assert len(list(step.tasks("x"))) == 1 and list(step.tasks("y")) == []


def test_task_lookup(client, builder):
    run = builder.hello()
    step = Run(run.pathspec)["start"]
    tid = str(run.tasks["start"][0])
    assert step[tid] == Task(run.task("start"))
    assert tid in step and "999" not in step
    other = str(run.tasks["end"][0])
    assert other not in step  # a task of another step
    with pytest.raises(ObjectNotFound):
        step[other]
    with pytest.raises(InvalidPathspec):
        step["start"]


def test_environment_info(client, builder):
    run = builder.hello()
    info = Step(f"{run.pathspec}/start").environment_info
    assert info["python_implementation"] == "CPython" and info["packages"] == {"numpy": "1.26.0"}


def test_step_created_at_and_parent(client, builder):
    run = builder.hello()
    step = Step(f"{run.pathspec}/hello")
    assert step.created_at == Task(run.task("hello")).created_at
    assert step.parent == Run(run.pathspec)
    assert step.parent.successful


def test_steps_of_a_missing_run(client, builder):
    builder.hello()
    with pytest.raises(ObjectNotFound, match=r"Run\('HelloFlow/5'\) does not exist"):
        Step("HelloFlow/5/start")


def test_tasks_of_a_step_share_one_run_record(client, builder, counting):
    run = builder.foreach(10)
    import pickle

    step = pickle.loads(pickle.dumps(Step(f"{run.pathspec}/square")))  # no run record yet
    counting.calls.clear()
    tags = {t.tags for t in step}
    assert len(tags) == 1 and "user:alice" in tags.pop()
    assert counting.calls["get_run"] == 1
