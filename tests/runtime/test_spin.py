"""One step run again in a fork on given inputs, and a spun task kept as a run of one task
(runtime/spin.py). From the command line: tests/e2e/test_spin.py."""

from __future__ import annotations

import io
from pathlib import Path

from flowscope import FlowSpec, step, timeout
from flowscope.config import Settings
from flowscope.datastore import (
    ContentStore,
    LocalStorage,
    MemoryStorage,
    load_artifact,
    save_artifact,
)
from flowscope.flow import FlowGraph
from flowscope.metastore.local import open_local
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.console import Console
from flowscope.runtime.spec import Frame, Parent, TaskSpec
from flowscope.runtime.spin import SPIN_TAG, record_spin, spin_task


class SpunFlow(FlowSpec):
    @step
    def start(self):
        self.x = 1
        self.next(self.double)

    @step
    def double(self):
        print("doubling", self.x)
        self.y = self.x * 2
        self.next(self.slow)

    @timeout(seconds=1)
    @step
    def slow(self):
        import time

        time.sleep(30)
        self.next(self.end)

    @step
    def end(self):
        pass


def _parent(store: ContentStore, **values: object) -> Parent:
    index = {}
    for name, value in values.items():
        info = save_artifact(store, value)
        index[name] = ArtifactRecord(name, info.sha, info.size, info.type_name, info.serializer)
    return Parent(2, "start", (), index)


def _spin(step: str, store: ContentStore, out: io.StringIO):  # type: ignore[no-untyped-def]
    graph = FlowGraph.from_class(SpunFlow)
    spec = TaskSpec(3, step, (), (_parent(store, x=21),))
    result = spin_task(
        SpunFlow,
        graph,
        spec,
        run_id=7,
        user="ana",
        parameters={},
        store=store,
        settings=Settings.from_env({}),
        console=Console(out),
    )
    return graph, spec, result


def test_a_step_runs_once_on_its_parents_artifacts_and_its_output_is_shown(
    tmp_path: Path,
) -> None:
    store, out = ContentStore(LocalStorage(tmp_path / "blobs")), io.StringIO()  # the fork writes
    _, _, result = _spin("double", store, out)
    assert result.ok and result.pathspec == "SpunFlow/7/double/3"
    y = next(a for a in result.outcome.artifacts if a.name == "y")
    assert load_artifact(store, y.sha, y.serializer) == 42
    assert "[SpunFlow/7/double/3] doubling 21" in out.getvalue()
    assert result.stdout_key is not None


def test_a_timeout_ends_the_spin_with_the_timeout(tmp_path: Path) -> None:
    _, _, result = _spin("slow", ContentStore(MemoryStorage()), io.StringIO())
    assert not result.ok
    assert "exceeded its @timeout of 1 seconds" in result.outcome.exception["message"]


def test_a_kept_spin_is_a_run_of_the_parameters_and_the_task(tmp_path: Path) -> None:
    store = ContentStore(MemoryStorage())
    graph, spec, result = _spin("double", store, io.StringIO())
    provider = open_local(tmp_path / ".flowscope", create=True)
    params = _parent(store, alpha=0.5)
    run_id = record_spin(
        provider,
        graph,
        spec,
        result,
        user="ana",
        parameters={"alpha": 0.5},
        parameter_task=params,
    )
    run = provider.get_run("SpunFlow", run_id)
    assert run is not None and run.status == "succeeded"
    assert SPIN_TAG in run.system_tags and "spin-of:SpunFlow/7/double/3" in run.system_tags
    task = provider.get_task("SpunFlow", run_id, 3)
    assert task is not None and task.step_name == "double"
    assert task.origin_pathspec == "SpunFlow/7/double/3"
    names = [a.name for a in provider.list_artifacts("SpunFlow", run_id, 3, 0)]
    assert names == ["alpha", "x", "y"]
    assert provider.get_parameters("SpunFlow", run_id) == {"alpha": 0.5}
    provider.close()


def test_frames_of_a_spun_task_are_recorded(tmp_path: Path) -> None:
    store = ContentStore(MemoryStorage())
    graph, spec, result = _spin("double", store, io.StringIO())
    framed = TaskSpec(3, "double", (Frame("start", 1, 3, True, "items"),), spec.inputs)
    provider = open_local(tmp_path / ".flowscope", create=True)
    run_id = record_spin(
        provider, graph, framed, result, user="ana", parameters={}, parameter_task=None
    )
    task = provider.get_task("SpunFlow", run_id, 3)
    assert task is not None and task.foreach_index == 1
    assert [list(f) for f in task.foreach_stack] == [["start", 1, 3, True]]
    provider.close()
