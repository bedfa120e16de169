"""The scheduler is pure: graphs in, task specs out. No processes, no store."""

from __future__ import annotations

import pytest

from flowscope.runtime.scheduler import Scheduler
from flowscope.runtime.spec import Frame, TaskSpec, task_key


class Graph:
    """A hand-written graph view: step -> (successors, is_join, foreach var)."""

    def __init__(self, steps: dict[str, tuple[list[str], bool, str | None]]) -> None:
        self.steps = steps

    def successors(self, step: str) -> list[str]:
        return self.steps[step][0]

    def is_join(self, step: str) -> bool:
        return self.steps[step][1]

    def foreach_var(self, step: str) -> str | None:
        return self.steps[step][2]


LINEAR = Graph(
    {"start": (["a"], False, None), "a": (["end"], False, None), "end": ([], False, None)}
)
BRANCH = Graph(
    {
        "start": (["a", "b"], False, None),
        "a": (["join"], False, None),
        "b": (["join"], False, None),
        "join": (["end"], True, None),
        "end": ([], False, None),
    }
)
FOREACH = Graph(
    {
        "start": (["body"], False, "items"),
        "body": (["join"], False, None),
        "join": (["end"], True, None),
        "end": ([], False, None),
    }
)
NESTED = Graph(
    {
        "start": (["outer"], False, "xs"),
        "outer": (["inner"], False, "ys"),
        "inner": (["inner_join"], False, None),
        "inner_join": (["outer_join"], True, None),
        "outer_join": (["end"], True, None),
        "end": ([], False, None),
    }
)


def drive(graph: Graph, counts: dict[str, int] | None = None, order=lambda xs: xs):
    """Run the scheduler to completion, finishing ready tasks in `order`; return all specs."""
    counts = counts or {}
    scheduler = Scheduler(graph)
    ready = list(scheduler.initial())
    done = []
    while ready:
        ready = order(ready)
        spec = ready.pop(0)
        done.append(spec)
        values = [f"v{i}" for i in range(counts[spec.step])] if spec.step in counts else None
        ready.extend(scheduler.finished(spec, {}, values))
    assert not scheduler.open_joins
    return done


def ids(specs):
    return tuple(p.task_id for p in specs)


def test_linear_runs_each_step_once_in_order():
    assert [s.step for s in drive(LINEAR)] == ["start", "a", "end"]


def test_static_branch_pushes_a_frame_per_branch_and_join_waits_for_both():
    done = drive(BRANCH)
    steps = [s.step for s in done]
    assert steps.index("join") > max(steps.index("a"), steps.index("b"))
    branch = {s.step: s for s in done}
    assert branch["a"].stack == (Frame("start", 0, 2, False),)
    assert branch["b"].stack == (Frame("start", 1, 2, False),)
    assert branch["join"].stack == ()
    assert ids(branch["join"].inputs) == (branch["a"].task_id, branch["b"].task_id)
    assert [p.step for p in branch["join"].inputs] == ["a", "b"]
    assert branch["join"].inputs[0].stack == branch["a"].stack


def test_foreach_expands_items_and_join_sees_inputs_in_index_order_whatever_finish_order():
    done = drive(FOREACH, {"start": 5}, order=lambda xs: list(reversed(xs)))
    bodies = [s for s in done if s.step == "body"]
    assert sorted(s.foreach_index for s in bodies) == [0, 1, 2, 3, 4]
    assert all(s.foreach_var == "items" for s in bodies)
    (join,) = [s for s in done if s.step == "join"]
    by_index = {s.foreach_index: s.task_id for s in bodies}
    assert ids(join.inputs) == tuple(by_index[k] for k in range(5))


def test_nested_foreach_joins_each_inner_group_separately():
    done = drive(NESTED, {"start": 2, "outer": 3})
    inner = [s for s in done if s.step == "inner"]
    assert len(inner) == 6
    inner_joins = [s for s in done if s.step == "inner_join"]
    assert len(inner_joins) == 2 and all(len(s.inputs) == 3 for s in inner_joins)
    assert [s.stack[0].index for s in inner_joins] == [0, 1]
    (outer_join,) = [s for s in done if s.step == "outer_join"]
    assert len(outer_join.inputs) == 2 and outer_join.stack == ()


def test_foreach_without_items_is_refused():
    scheduler = Scheduler(FOREACH)
    (spec,) = scheduler.initial()
    with pytest.raises(ValueError, match="foreach"):
        scheduler.finished(spec, {}, ())


def test_task_keys_identify_tasks_across_runs():
    a = drive(NESTED, {"start": 2, "outer": 3})
    b = drive(NESTED, {"start": 2, "outer": 3}, order=lambda xs: list(reversed(xs)))
    assert sorted(s.key for s in a) == sorted(s.key for s in b)
    assert task_key("inner", (Frame("start", 1, 2, True), Frame("outer", 2, 3, True))) == (
        "inner",
        (("start", 1), ("outer", 2)),
    )


def test_spec_foreach_index_is_innermost_foreach_frame():
    spec = TaskSpec(7, "x", (Frame("s", 3, 4, True), Frame("t", 1, 2, False)), ())
    assert spec.foreach_index == 3
    assert spec.key == ("x", (("s", 3), ("t", 1)))
    assert spec.pathspec("F", 2) == "F/2/x/7"
    retry = spec.retry()
    assert (retry.task_id, retry.attempt, retry.stack) == (7, 1, spec.stack)


def test_tasks_are_numbered_in_creation_order_and_ids_never_repeat():
    done = drive(NESTED, {"start": 2, "outer": 3})
    assert sorted(s.task_id for s in done) == list(range(1, len(done) + 1))
    scheduler = Scheduler(LINEAR, first_id=5)
    assert scheduler.new_id() == 5 and scheduler.initial()[0].task_id == 6


def test_foreach_frames_carry_the_variable_and_each_items_value():
    done = drive(NESTED, {"start": 2, "outer": 3})
    inner = sorted((s for s in done if s.step == "inner"), key=lambda s: s.key)
    outer, items = inner[-1].stack
    assert (outer.var, outer.index, outer.count, outer.value_repr) == ("xs", 1, 2, "v1")
    assert (items.var, items.index, items.count, items.value_repr) == ("ys", 2, 3, "v2")
    assert outer.to_json() == ["start", 1, 2, True]  # what is recorded stays as it was


def test_a_finished_task_hands_its_artifact_index_to_the_next():
    scheduler = Scheduler(LINEAR)
    (start,) = scheduler.initial()
    index = {"x": object()}
    (a,) = scheduler.finished(start, index)  # type: ignore[arg-type]
    (parent,) = a.inputs
    assert (parent.task_id, parent.step, parent.index) == (start.task_id, "start", index)
