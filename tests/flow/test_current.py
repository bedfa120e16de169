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
