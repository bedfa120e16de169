"""One artifact-index query per step listing (client/prefetch.py)."""

from __future__ import annotations

from flowscope.client import Step


def test_reading_an_artifact_of_every_foreach_task_costs_two_queries(client, builder, counting):
    run = builder.foreach(50)
    step = Step(f"{run.pathspec}/square")
    counting.calls.clear()
    values = [task.data.y for task in step]
    assert sorted(values) == [i * i for i in range(50)]
    assert counting.calls == {"list_tasks": 1, "list_step_artifacts": 1}  # blobs: the datastore


def test_the_index_is_fetched_only_when_asked_for(client, builder, counting):
    run = builder.foreach(5)
    step = Step(f"{run.pathspec}/square")
    counting.calls.clear()
    assert [t.status for t in step] == ["succeeded"] * 5
    assert counting.calls == {"list_tasks": 1}


def test_failed_tasks_read_their_own_attempts_index(client, builder, counting):
    run = builder.new_run("MixedFlow")
    builder.task(run, "each", {"v": 0}, foreach_index=0)
    builder.task(run, "each", {"v": 1}, foreach_index=1, attempts=2, status="failed")
    counting.calls.clear()
    values = {t.index: t.data.v for t in Step(f"{run.pathspec}/each")}
    assert values == {0: 0, 1: 1}
    assert counting.calls["list_artifacts"] == 1 and counting.calls["list_step_artifacts"] == 1
