"""Lineage from a graph and task paths (client/lineage.py), without a store."""

from __future__ import annotations

import pytest

from flowscope.client import lineage
from flowscope.errors import FlowDefinitionError
from flowscope.metastore.records import TaskRecord


def _task(step: str, task_id: int, *frames: tuple[str, int]) -> TaskRecord:
    stack = tuple([s, i, 2, True] for s, i in frames)
    return TaskRecord("F", 1, step, task_id, float(task_id), foreach_stack=stack)


def _tasks_of(*tasks: TaskRecord):
    return lambda step: [t for t in tasks if t.step_name == step]


def test_successors_are_read_from_the_source_without_running_it():
    source = (
        "import sys\nsys.exit('never run')\n"
        "class F(Base):\n"
        "    @step\n    def start(self):\n        self.next(self.a, self.b)\n"
        "    @step\n    def a(self):\n        self.next(self.end)\n"
        "    @step\n    def b(self):\n        self.next(self.end)\n"
        "    def helper(self):\n        self.next(self.nowhere)\n"
        "class Base:\n    @step\n    def end(self):\n        pass\n"
    )
    graph = lineage.successors_from_source(source, "F")
    assert graph == {"end": (), "start": ("a", "b"), "a": ("end",), "b": ("end",)}
    assert lineage.predecessors(graph)["end"] == ("a", "b")


def test_a_source_without_the_flow_or_that_does_not_parse_is_a_clear_error():
    with pytest.raises(FlowDefinitionError, match="no class F"):
        lineage.successors_from_source("class G: pass\n", "F")
    with pytest.raises(FlowDefinitionError, match="cannot be parsed"):
        lineage.successors_from_source("class F(:\n", "F")


def test_a_step_in_a_loop_has_the_latest_task_before_it_as_parent():
    graph = {"start": ("loop",), "loop": ("loop", "end"), "end": ()}
    before = lineage.predecessors(graph)
    start, l1, l2, l3, end = (
        _task("start", 1),
        _task("loop", 2),
        _task("loop", 3),
        _task("loop", 4),
        _task("end", 5),
    )
    tasks_of = _tasks_of(start, l1, l2, l3, end)
    assert lineage.parents(l1, before, tasks_of) == [start]
    assert lineage.parents(l2, before, tasks_of) == [l1]
    assert lineage.parents(end, before, tasks_of) == [l3]
    assert lineage.children(l1, graph, before, tasks_of) == [l2]
    assert lineage.children(l3, graph, before, tasks_of) == [end]
    assert lineage.children(start, graph, before, tasks_of) == [l1]


def test_nested_foreach_items_keep_to_their_own_branch():
    graph = {"start": ("outer",), "outer": ("inner",), "inner": ("ijoin",), "ijoin": ("ojoin",)}
    graph.update({"ojoin": ()})
    before = lineage.predecessors(graph)
    start = _task("start", 1)
    outers = [_task("outer", 2 + i, ("start", i)) for i in range(2)]
    inners = [
        _task("inner", 4 + 2 * i + j, ("start", i), ("outer", j))
        for i in range(2)
        for j in range(2)
    ]
    ijoins = [_task("ijoin", 8 + i, ("start", i)) for i in range(2)]
    ojoin = _task("ojoin", 10)
    tasks_of = _tasks_of(start, *outers, *inners, *ijoins, ojoin)
    assert lineage.parents(inners[3], before, tasks_of) == [outers[1]]
    assert lineage.parents(ijoins[0], before, tasks_of) == inners[:2]
    assert lineage.parents(ijoins[1], before, tasks_of) == inners[2:]
    assert lineage.children(outers[0], graph, before, tasks_of) == inners[:2]
    assert lineage.parents(ojoin, before, tasks_of) == ijoins


def test_a_run_records_its_graph_so_lineage_needs_no_code_package(tmp_path, monkeypatch):
    from tests.runtime.support import NestedFlow, run_flow

    from flowscope.client import Task
    from flowscope.client.context import CONTEXT

    root = tmp_path / ".flowscope"
    result, provider, _ = run_flow(NestedFlow, root)  # in process: no script, no code package
    assert result.status == "succeeded"
    (params,) = provider.list_tasks("NestedFlow", result.run_id, "_parameters")
    facts = {
        f.field: f for f in provider.list_facts("NestedFlow", result.run_id, params.task_id, 0)
    }
    recorded = lineage.parse_recorded(facts["step-graph"].value, "NestedFlow/1")
    assert recorded["start"] == ("outer",) and recorded["end"] == ()
    monkeypatch.setenv("FLOWSCOPE_USER", "tester")
    CONTEXT.reset()
    CONTEXT.set_stores(str(root), None)
    try:
        from flowscope.client import namespace

        namespace(None)
        (start,) = provider.list_tasks("NestedFlow", result.run_id, "start")
        children = list(Task(f"NestedFlow/{result.run_id}/start/{start.task_id}").child_tasks)
        assert [t.pathspec.split("/")[2] for t in children] == ["outer", "outer"]
        assert {len(list(t.child_tasks)) for t in children} == {3}
    finally:
        CONTEXT.reset()
