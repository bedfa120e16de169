"""Walking a step graph (flow/topology.py), on plain edge tables: reachability, cycles,
parents-first order with ties in source order, and split nesting."""

from __future__ import annotations

from flowscope.flow.topology import Arrival, Edges, analyse


def E(*out: str, join: bool = False, split: bool | None = None) -> Edges:  # noqa: N802
    return Edges(tuple(out), join, len(out) > 1 if split is None else split)


def test_a_line() -> None:
    topo = analyse({"start": E("a"), "a": E("end"), "end": E()})
    assert topo.order == ["start", "a", "end"] and topo.cycle is None
    assert topo.reachable == {"start", "a", "end"}
    assert topo.split_parents == {"start": [], "a": [], "end": []}
    assert topo.arrivals["end"] == [Arrival("a", ())]


def test_a_branch_and_its_join() -> None:
    edges = {"start": E("b", "a"), "a": E("j"), "b": E("j"), "j": E("end", join=True), "end": E()}
    topo = analyse(edges)
    assert topo.order == ["start", "a", "b", "j", "end"]  # ties in source order
    assert topo.split_parents["a"] == ["start"] and topo.split_parents["j"] == ["start"]
    assert topo.split_parents["end"] == []
    assert topo.matching_join == {"start": "j"}
    assert [a.parent for a in topo.arrivals["j"]] == ["a", "b"]


def test_nested_foreach_stacks() -> None:
    edges = {
        "start": E("outer"),
        "outer": E("inner", split=True),
        "inner": E("work", split=True),
        "work": E("j1"),
        "j1": E("j2", join=True),
        "j2": E("end", join=True),
        "end": E(),
    }
    topo = analyse(edges)
    assert topo.split_parents["work"] == ["outer", "inner"]
    assert topo.split_parents["j1"] == ["outer", "inner"]
    assert topo.split_parents["j2"] == ["outer"]
    assert topo.matching_join == {"inner": "j1", "outer": "j2"}


def test_unreachable_steps_come_last_and_unknown_targets_are_ignored() -> None:
    edges = {"orphan": E("end"), "start": E("end", "missing"), "end": E()}
    topo = analyse(edges)
    assert topo.reachable == {"start", "end"}
    assert topo.order == ["start", "end", "orphan"]
    assert "orphan" not in topo.split_parents


def test_a_cycle_is_reported_as_a_closed_path() -> None:
    edges = {"start": E("a"), "a": E("b"), "b": E("a", "end"), "end": E()}
    topo = analyse(edges)
    assert topo.cycle == ("a", "b", "a")
    assert set(topo.order) == set(edges) and topo.split_parents == {}


def test_a_graph_without_start() -> None:
    topo = analyse({"x": E("y"), "y": E()})
    assert topo.order == ["x", "y"] and topo.reachable == frozenset() and topo.cycle is None
    assert analyse({"begin": E()}, start="begin").reachable == {"begin"}


def S(*out: str) -> Edges:  # noqa: N802
    """A switch: one of its targets runs."""
    return Edges(tuple(out), False, False, True)


def test_a_switch_pushes_nothing_and_its_cases_may_meet_again() -> None:
    edges = {"start": S("a", "b"), "a": E("m"), "b": E("m"), "m": E("end"), "end": E()}
    topo = analyse(edges)
    assert topo.cycle is None and topo.loops == ()
    assert topo.split_parents["m"] == [] and topo.matching_join == {}
    assert [(a.parent, a.stack, a.branch) for a in topo.arrivals["m"]] == [
        ("a", (), ()),
        ("b", (), ()),
    ]
    assert topo.conditional == {"a", "b"} and topo.looping == frozenset()


def test_arrivals_carry_the_branch_of_each_open_split() -> None:
    edges = {
        "start": E("a", "b"),
        "a": S("c", "d"),
        "c": E("j"),
        "d": E("j"),
        "b": E("j"),
        "j": E("end", join=True),
        "end": E(),
    }
    topo = analyse(edges)
    assert {a.parent: a.branch for a in topo.arrivals["j"]} == {
        "c": ("a",),
        "d": ("a",),
        "b": ("b",),
    }
    assert topo.exit_stacks["a"] == ("start",) and topo.exit_stacks["j"] == ()


def test_a_switch_edge_back_is_a_loop_and_the_rest_is_walked_without_it() -> None:
    edges = {"start": E("a"), "a": E("b"), "b": S("a", "end"), "end": E()}
    topo = analyse(edges)
    assert topo.cycle is None and topo.loops == (("b", "a"),)
    assert topo.order == ["start", "a", "b", "end"]
    assert [a.parent for a in topo.arrivals["a"]] == ["start"]
    assert topo.looping == {"a", "b"} and topo.conditional == frozenset()
    self_loop = analyse({"start": E("a"), "a": S("a", "end"), "end": E()})
    assert self_loop.loops == (("a", "a"),) and self_loop.looping == {"a"}


def test_a_cycle_back_through_a_plain_step_is_still_a_cycle() -> None:
    edges = {"start": S("a", "end"), "a": E("start"), "end": E()}
    topo = analyse(edges)
    assert topo.cycle == ("start", "a", "start") and topo.loops == ()
