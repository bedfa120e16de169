"""`current`: set by the runtime for one task, None-valued outside."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowscope.flow import current
from flowscope.flow.current import FIELDS, Current


@pytest.fixture
def fresh() -> Iterator[Current]:
    yield Current()


def test_outside_a_task_everything_is_none(fresh: Current) -> None:
    assert fresh.is_running_flow is False
    for name in FIELDS:
        assert getattr(fresh, name) is None, name
    assert repr(fresh) == "<current: not inside a running task>"


def test_bound_fields(fresh: Current) -> None:
    fresh._bind(
        flow_name="TrainFlow",
        run_id=12,
        step_name="train",
        task_id=7,
        retry_count=1,
        username="alice",
        namespace="user:alice",
        tags=["a", "user:alice"],
        origin_run_id=3,
    )
    assert fresh.is_running_flow is True
    assert fresh.flow_name == "TrainFlow" and fresh.step_name == "train"
    assert fresh.run_id == "12" and fresh.task_id == "7" and fresh.origin_run_id == "3"
    assert fresh.pathspec == "TrainFlow/12/train/7"
    assert fresh.retry_count == 1 and fresh.username == "alice"
    assert fresh.namespace == "user:alice" and fresh.tags == frozenset({"a", "user:alice"})
    assert repr(fresh) == "<current: TrainFlow/12/train/7 attempt 1>"
    fresh._clear()
    assert fresh.is_running_flow is False and fresh.pathspec is None


def test_explicit_pathspec_and_is_running_flow_flag(fresh: Current) -> None:
    fresh._bind(
        flow_name="F",
        run_id="1",
        step_name="s",
        task_id="2",
        pathspec="F/1/s/2",
        is_running_flow=True,
    )
    assert fresh.pathspec == "F/1/s/2" and fresh.retry_count == 0 and fresh.origin_run_id is None
    fresh._bind(flow_name="F", run_id="1", step_name="s", task_id="2", is_running_flow=False)
    assert fresh.is_running_flow is False


def test_properties_are_read_only_and_unknown_fields_refused(fresh: Current) -> None:
    with pytest.raises(AttributeError):
        fresh.run_id = "5"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        fresh.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        fresh._bind(flow_name="F", run_id=1, step_name="s", task_id=1, colour="red")  # type: ignore[call-arg]


def test_the_module_instance() -> None:
    assert isinstance(current, Current)
    assert current.is_running_flow is False


def test_lazy_fields_are_none_outside_a_task(fresh: Current) -> None:
    from flowscope.flow.current import LAZY_FIELDS

    for name in LAZY_FIELDS:
        assert getattr(fresh, name) is None, name
    assert fresh.is_parallel is False


def _bind(fresh: Current, **extra) -> None:
    fresh._bind(flow_name="F", run_id=4, step_name="a", task_id=9, **extra)


def test_tempdir_is_made_on_first_use_and_removed_with_the_task(fresh: Current) -> None:
    import os

    _bind(fresh)
    path = fresh.tempdir
    assert path is not None and os.path.isdir(path) and "flowscope-a-9-" in path
    assert fresh.tempdir == path  # one per task
    with open(os.path.join(path, "scratch"), "w") as f:
        f.write("x")
    fresh._clear()
    assert not os.path.exists(path) and fresh.tempdir is None
    _bind(fresh)
    again = fresh.tempdir
    _bind(fresh)  # binding the next task forgets (and removes) the last one's
    assert again is not None and not os.path.exists(again)
    fresh._clear()


def test_parameter_names_graph_and_parallel(fresh: Current) -> None:
    from flowscope import FlowSpec, Parameter, step
    from flowscope.flow.current import Parallel

    class G(FlowSpec):
        alpha = Parameter("alpha", default=1)

        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass

    gang = Parallel("127.0.0.1", 3, 1, "7")
    _bind(fresh, parameter_names=["alpha"], flow_cls=G, parallel=gang)
    assert fresh.parameter_names == ("alpha",)
    graph = fresh.graph
    assert graph is not None and graph["flow_name"] == "G"
    assert [s["name"] for s in graph["steps"]] == ["start", "end"]
    assert fresh.graph is graph  # made once per task
    assert fresh.parallel == gang and fresh.parallel.num_nodes == 3 and fresh.is_parallel


def test_run_and_task_are_opened_lazily_by_the_opener_the_runtime_was_given(
    fresh: Current,
) -> None:
    from flowscope.errors import FlowscopeError

    opened: list[tuple[str, str]] = []

    def opener(kind: str, pathspec: str) -> object:
        opened.append((kind, pathspec))
        return f"<{kind} {pathspec}>"

    _bind(fresh, objects=opener)
    assert opened == []
    assert fresh.task == "<task F/4/a/9>" and fresh.run == "<run F/4>"
    assert fresh.task == "<task F/4/a/9>"
    assert opened == [("task", "F/4/a/9"), ("run", "F/4")]
    _bind(fresh)
    with pytest.raises(FlowscopeError, match="current.run needs the client"):
        _ = fresh.run


def test_project_fields_are_set_for_a_project_flow_only() -> None:
    from flowscope.flow import current
    from flowscope.flow.project import ProjectDecorator

    info = ProjectDecorator("fraud").info("ScoreFlow", "alice", branch="b")
    try:
        current._bind(flow_name="ScoreFlow", run_id=1, step_name="start", task_id=2, project=info)
        assert current.project_name == "fraud" and current.branch_name == "test.b"
        assert current.project_flow_name == "fraud.test.b.ScoreFlow"
        assert current.is_production is False and current.is_user_branch is False
        current._bind(flow_name="F", run_id=1, step_name="start", task_id=2)
        assert current.project_name is None and current.is_production is None
    finally:
        current._clear()
