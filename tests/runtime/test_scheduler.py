"""The scheduler is pure: graphs in, task specs out. No processes, no store."""

from __future__ import annotations

import pytest

from flowscope.runtime.scheduler import Frame, Scheduler, TaskSpec, task_key


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
    ready = [(1, spec) for spec in scheduler.initial()]
    next_id, done = 2, []
    while ready:
        ready = order(ready)
        task_id, spec = ready.pop(0)
        done.append((task_id, spec))
        for child in scheduler.finished(task_id, spec, counts.get(spec.step)):
            ready.append((next_id, child))
            next_id += 1
    assert not scheduler.open_joins
    return done


def test_linear_runs_each_step_once_in_order():
    assert [s.step for _, s in drive(LINEAR)] == ["start", "a", "end"]


def test_static_branch_pushes_a_frame_per_branch_and_join_waits_for_both():
    done = drive(BRANCH)
    steps = [s.step for _, s in done]
    assert steps.index("join") > max(steps.index("a"), steps.index("b"))
    branch = {s.step: s for _, s in done}
    assert branch["a"].stack == (Frame("start", 0, 2, False),)
    assert branch["b"].stack == (Frame("start", 1, 2, False),)
    assert branch["join"].stack == ()
    ids = {s.step: i for i, s in done}
    assert branch["join"].inputs == (ids["a"], ids["b"])


def test_foreach_expands_items_and_join_sees_inputs_in_index_order_whatever_finish_order():
    done = drive(FOREACH, {"start": 5}, order=lambda xs: list(reversed(xs)))
    bodies = [(i, s) for i, s in done if s.step == "body"]
    assert sorted(s.foreach_index for _, s in bodies) == [0, 1, 2, 3, 4]
    assert all(s.foreach_var == "items" for _, s in bodies)
    (join,) = [s for _, s in done if s.step == "join"]
    by_index = {s.foreach_index: i for i, s in bodies}
    assert join.inputs == tuple(by_index[k] for k in range(5))


def test_nested_foreach_joins_each_inner_group_separately():
    done = drive(NESTED, {"start": 2, "outer": 3})
    inner = [s for _, s in done if s.step == "inner"]
    assert len(inner) == 6
    inner_joins = [s for _, s in done if s.step == "inner_join"]
    assert len(inner_joins) == 2 and all(len(s.inputs) == 3 for s in inner_joins)
    assert [s.stack[0].index for s in inner_joins] == [0, 1]
    (outer_join,) = [s for _, s in done if s.step == "outer_join"]
    assert len(outer_join.inputs) == 2 and outer_join.stack == ()


def test_foreach_without_items_is_refused():
    scheduler = Scheduler(FOREACH)
    (spec,) = scheduler.initial()
    with pytest.raises(ValueError, match="foreach"):
        scheduler.finished(1, spec, 0)


def test_task_keys_identify_tasks_across_runs():
    a = drive(NESTED, {"start": 2, "outer": 3})
    b = drive(NESTED, {"start": 2, "outer": 3}, order=lambda xs: list(reversed(xs)))
    assert sorted(s.key for _, s in a) == sorted(s.key for _, s in b)
    assert task_key("inner", (Frame("start", 1, 2, True), Frame("outer", 2, 3, True))) == (
        "inner",
        (("start", 1), ("outer", 2)),
    )


def test_spec_foreach_index_is_innermost_foreach_frame():
    spec = TaskSpec("x", (Frame("s", 3, 4, True), Frame("t", 1, 2, False)), ())
    assert spec.foreach_index == 3
