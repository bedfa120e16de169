"""The scheduler is pure: graphs in, task specs out. No processes, no store."""

from __future__ import annotations

import pytest

from flowscope.runtime.scheduler import Scheduler
from flowscope.runtime.spec import Frame, TaskSpec, task_key


class Graph:
    """A hand-written graph view: step -> (successors, is_join, foreach var), plus the cases
    of its switch steps and the steps on a loop."""

    def __init__(
        self,
        steps: dict[str, tuple[list[str], bool, str | None]],
        switches: dict[str, dict] | None = None,
        repeating: frozenset[str] = frozenset(),
    ) -> None:
        self.steps = steps
        self.switches = switches or {}
        self.repeating = repeating

    def successors(self, step: str) -> list[str]:
        return self.steps[step][0]

    def is_join(self, step: str) -> bool:
        return self.steps[step][1]

    def foreach_var(self, step: str) -> str | None:
        return self.steps[step][2]

    def switch_cases(self, step: str):
        return self.switches.get(step)

    def repeats(self, step: str) -> bool:
        return step in self.repeating


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


def drive(graph: Graph, counts: dict[str, int] | None = None, order=lambda xs: xs, choose=None):
    """Run the scheduler to completion, finishing ready tasks in `order`; return all specs.
    `choose(spec, done_so_far)` gives the case a switch task reports."""
    counts = counts or {}
    scheduler = Scheduler(graph)
    ready = list(scheduler.initial())
    done = []
    while ready:
        ready = order(ready)
        spec = ready.pop(0)
        done.append(spec)
        values = [f"v{i}" for i in range(counts[spec.step])] if spec.step in counts else None
        case = choose(spec, done) if graph.switch_cases(spec.step) is not None else None
        ready.extend(scheduler.finished(spec, {}, values, case))
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
        0,
    )


def test_spec_foreach_index_is_innermost_foreach_frame():
    spec = TaskSpec(7, "x", (Frame("s", 3, 4, True), Frame("t", 1, 2, False)), ())
    assert spec.foreach_index == 3
    assert spec.key == ("x", (("s", 3), ("t", 1)), 0)
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


# ---- switches and loops ------------------------------------------------------------------

VALUES = Graph(
    {
        "start": (["fast", "slow"], False, None),
        "fast": (["one", "two"], False, None),
        "slow": (["one", "two"], False, None),
        "one": (["end"], False, None),
        "two": (["end"], False, None),
        "end": ([], False, None),
    },
    switches={
        "start": {"fast": "fast", "slow": "slow"},
        "fast": {1: "one", 2: "two"},
        "slow": {1: "one", 2: "two"},
    },
)


def test_a_switch_runs_only_the_case_its_task_reports_at_the_same_stack():
    picks = {"start": "slow", "slow": 2}
    done = drive(VALUES, choose=lambda spec, _: picks[spec.step])
    assert [s.step for s in done] == ["start", "slow", "two", "end"]
    start, slow, two, _ = done
    assert slow.stack == two.stack == () and slow.inputs[0].task_id == start.task_id
    assert two.inputs[0].step == "slow" and all(s.pass_number == 0 for s in done)


def test_a_switch_case_must_be_a_key_of_its_own_kind():
    scheduler = Scheduler(VALUES)
    (start,) = scheduler.initial()
    (fast,) = scheduler.finished(start, {}, case="fast")
    with pytest.raises(ValueError, match=r"switch 'fast' finished with case '1' \(str\)"):
        scheduler.finished(fast, {}, case="1")
    with pytest.raises(ValueError, match="finished with no case; its cases are 1, 2"):
        scheduler.finished(fast, {}, case=None)
    bools = Graph(
        {"s": (["a", "b"], False, None), "a": ([], False, None), "b": ([], False, None)},
        switches={"s": {True: "a", False: "b"}},
    )
    spec = Scheduler(bools, start="s").initial()[0]
    with pytest.raises(ValueError, match=r"case 1 \(int\)"):
        Scheduler(bools, start="s").finished(spec, {}, case=1)
    assert [c.step for c in Scheduler(bools, start="s").finished(spec, {}, case=False)] == ["b"]


def test_a_switch_in_a_branch_lets_the_join_close_the_split_with_the_chosen_case():
    graph = Graph(
        {
            "start": (["a", "b"], False, None),
            "a": (["join"], False, None),
            "b": (["c", "d"], False, None),
            "c": (["join"], False, None),
            "d": (["join"], False, None),
            "join": (["end"], True, None),
            "end": ([], False, None),
        },
        switches={"b": {"c": "c", "d": "d"}},
    )
    for pick in ("c", "d"):
        done = drive(graph, choose=lambda spec, _, pick=pick: pick)
        steps = [s.step for s in done]
        assert sorted(steps) == sorted(["start", "a", "b", pick, "join", "end"])
        (join,) = [s for s in done if s.step == "join"]
        assert [p.step for p in join.inputs] == ["a", pick] and join.stack == ()
        (case,) = [s for s in done if s.step == pick]
        assert case.stack == (Frame("start", 1, 2, False),)


def test_a_switch_in_a_foreach_takes_each_items_own_case():
    graph = Graph(
        {
            "start": (["work"], False, "items"),
            "work": (["even", "odd"], False, None),
            "even": (["collect"], False, None),
            "odd": (["collect"], False, None),
            "collect": (["join"], False, None),
            "join": (["end"], True, None),
            "end": ([], False, None),
        },
        switches={"work": {"even": "even", "odd": "odd"}},
    )
    parity = lambda spec, _: "even" if spec.foreach_index % 2 == 0 else "odd"  # noqa: E731
    done = drive(graph, {"start": 5}, order=lambda xs: list(reversed(xs)), choose=parity)
    assert sum(s.step == "even" for s in done) == 3 and sum(s.step == "odd" for s in done) == 2
    collects = {s.foreach_index: s for s in done if s.step == "collect"}
    assert sorted(collects) == [0, 1, 2, 3, 4]
    assert [collects[i].inputs[0].step for i in range(5)] == ["even", "odd"] * 2 + ["even"]
    (join,) = [s for s in done if s.step == "join"]
    assert ids(join.inputs) == tuple(collects[i].task_id for i in range(5))


def test_nested_switches_and_a_case_that_fans_out():
    graph = Graph(
        {
            "start": (["deep", "fan"], False, None),
            "deep": (["x", "y"], False, None),
            "x": (["end"], False, None),
            "y": (["end"], False, None),
            "fan": (["work"], False, "items"),
            "work": (["fan_join"], False, None),
            "fan_join": (["end"], True, None),
            "end": ([], False, None),
        },
        switches={"start": {"deep": "deep", "wide": "fan"}, "deep": {"x": "x", "y": "y"}},
    )
    deep = drive(graph, choose=lambda spec, _: {"start": "deep", "deep": "y"}[spec.step])
    assert [s.step for s in deep] == ["start", "deep", "y", "end"]
    wide = drive(graph, {"fan": 3}, choose=lambda spec, _: "wide")
    assert [s.step for s in wide].count("work") == 3
    assert [s.step for s in wide][-2:] == ["fan_join", "end"]


LOOP = Graph(
    {
        "start": (["count_up"], False, None),
        "count_up": (["count_up", "train"], False, None),
        "train": (["evaluate"], False, None),
        "evaluate": (["train", "end"], False, None),
        "end": ([], False, None),
    },
    switches={
        "count_up": {True: "count_up", False: "train"},
        "evaluate": {"again": "train", "done": "end"},
    },
    repeating=frozenset({"count_up", "train", "evaluate"}),
)


def _loop_choice(times: int, rounds: int):
    def choose(spec, done):
        if spec.step == "count_up":
            return sum(s.step == "count_up" for s in done) < times
        return "done" if sum(s.step == "train" for s in done) >= rounds else "again"

    return choose


def test_a_loop_runs_a_new_task_per_pass_each_the_parent_of_the_next():
    done = drive(LOOP, choose=_loop_choice(3, 2))
    assert [s.step for s in done] == [
        "start",
        *["count_up"] * 3,
        *["train", "evaluate"] * 2,
        "end",
    ]
    counts = [s for s in done if s.step == "count_up"]
    assert [s.pass_number for s in counts] == [0, 1, 2]
    assert [s.inputs[0].task_id for s in counts[1:]] == [s.task_id for s in counts[:2]]
    assert [s.pass_number for s in done if s.step == "evaluate"] == [0, 1]
    assert done[-1].pass_number == 0  # end is not on a loop
    assert len({s.key for s in done}) == len(done)  # every pass is its own task
    again = drive(LOOP, choose=_loop_choice(3, 2))
    assert [s.key for s in again] == [s.key for s in done]  # the same identities every run
    assert [s.step for s in drive(LOOP, choose=_loop_choice(1, 1))] == [
        "start",
        "count_up",
        "train",
        "evaluate",
        "end",
    ]


def test_loop_passes_are_counted_per_foreach_item_and_a_foreach_inside_a_loop_joins_per_pass():
    graph = Graph(
        {
            "start": (["spin"], False, "items"),
            "spin": (["spin", "fan"], False, None),
            "fan": (["body"], False, "parts"),
            "body": (["gather"], False, None),
            "gather": (["fan", "join"], True, None),
            "join": (["end"], True, None),
            "end": ([], False, None),
        },
        switches={"spin": {True: "spin", False: "fan"}, "gather": {"more": "fan", "no": "join"}},
        repeating=frozenset({"spin", "fan", "body", "gather"}),
    )

    def choose(spec, done):
        item = spec.stack[0].index
        if spec.step == "spin":  # item i spins i + 1 times
            return spec.pass_number < item
        return "more" if spec.pass_number == 0 else "no"  # two rounds of fan/body/gather

    done = drive(graph, {"start": 2, "fan": 2}, choose=choose)
    spins = [(s.stack[0].index, s.pass_number) for s in done if s.step == "spin"]
    assert sorted(spins) == [(0, 0), (1, 0), (1, 1)]
    bodies = sorted(
        (s.stack[0].index, s.pass_number, s.foreach_index) for s in done if s.step == "body"
    )
    assert bodies == [(i, p, j) for i in range(2) for p in range(2) for j in range(2)]
    gathers = [s for s in done if s.step == "gather"]
    assert len(gathers) == 4 and all(len(g.inputs) == 2 for g in gathers)
    (join,) = [s for s in done if s.step == "join"]
    last = {s.stack[0].index: s.task_id for s in gathers if s.pass_number == 1}
    assert ids(join.inputs) == (last[0], last[1])  # each item's last pass closes its frame
