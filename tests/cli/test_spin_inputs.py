"""The TaskSpec a spin runs, from the task it replays (cli/spin_inputs.py): frames, the foreach
item, overrides in every parent and in the parameters."""

from __future__ import annotations

from flowscope import FlowSpec, step
from flowscope.cli.spin_inputs import FoundTask, task_spec
from flowscope.datastore import ContentStore, MemoryStorage, load_artifact
from flowscope.flow import FlowGraph
from flowscope.metastore.records import ArtifactRecord, TaskRecord


class ShapeFlow(FlowSpec):
    @step
    def start(self) -> None:
        self.items = [1, 2]
        self.next(self.body, foreach="items")

    @step
    def body(self) -> None:
        self.next(self.after)

    @step
    def after(self) -> None:
        self.next(self.join)

    @step
    def join(self, inputs: object) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def _record(step: str, task_id: int, stack: tuple = ()) -> TaskRecord:  # type: ignore[type-arg]
    return TaskRecord("ShapeFlow", 1, step, task_id, 0.0, foreach_stack=stack)


ITEMS = ArtifactRecord("items", "a" * 64, 10, "list", "pickle")
FRAME = ("start", 1, 2, True)


def _spec(step: str, parents: tuple, stack: tuple = (), overrides: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    found = FoundTask("ShapeFlow", 1, _record(step, 9, stack), parents, {"alpha": 1})
    store = ContentStore(MemoryStorage())
    spec, params, values = task_spec(found, FlowGraph.from_class(ShapeFlow), store, overrides or {})
    return spec, params, values, store


def test_the_first_step_of_a_foreach_body_reads_its_item() -> None:
    spec, params, _, _ = _spec("body", ((_record("start", 2), {"items": ITEMS}),), (FRAME,))
    assert spec.foreach_var == "items" and spec.foreach_index == 1
    assert spec.stack[0].var == "items" and spec.stack[0].count == 2
    assert params is None and spec.inputs[0].index == {"items": ITEMS}


def test_a_later_step_of_the_body_reads_no_item() -> None:
    spec, _, _, _ = _spec("after", ((_record("body", 3, (FRAME,)), {}),), (FRAME,))
    assert spec.foreach_var is None and spec.foreach_index == 1


def test_a_join_takes_every_parent_in_order() -> None:
    parents = tuple((_record("after", n, (("start", n - 4, 2, True),)), {}) for n in (4, 5))
    spec, _, _, _ = _spec("join", parents)
    assert [p.task_id for p in spec.inputs] == [4, 5]
    assert [p.stack[0].index for p in spec.inputs] == [0, 1]


def test_overrides_replace_inputs_in_every_parent_and_the_parameters() -> None:
    parents = tuple((_record("after", n), {"items": ITEMS}) for n in (4, 5))
    spec, _, values, store = _spec("join", parents, overrides={"items": [9], "alpha": 3})
    for parent in spec.inputs:
        record = parent.index["items"]
        assert load_artifact(store, record.sha, record.serializer) == [9]
    assert values == {"alpha": 3}


def test_start_takes_the_parameters_task() -> None:
    alpha = ArtifactRecord("alpha", "b" * 64, 3, "int", "pickle")
    spec, params, _, _ = _spec("start", ((_record("_parameters", 1), {"alpha": alpha}),))
    assert params is not None and params.index == {"alpha": alpha}
    assert spec.foreach_var is None
