"""cli/client_objects.py: the opener the command line hands the runtime for `current.run` and
`current.task`, over a recorded run (tests/cli/conftest.py)."""

from __future__ import annotations

import pickle

import pytest

from flowscope.cli.client_objects import ClientObjects
from flowscope.client.context import CONTEXT
from flowscope.errors import FlowscopeError


def _opener(workspace) -> ClientObjects:
    store = workspace.root / ".flowscope"
    return ClientObjects(metadata=f"local@{store}", datastore=str(store / "blobs"))


def test_it_opens_the_run_and_a_task_as_client_objects(workspace) -> None:
    opener = _opener(workspace)
    run = opener("run", workspace.run)
    assert run.pathspec == workspace.run and type(run).__name__ == "Run"
    task = opener("task", f"{workspace.run}/start/1")
    assert task.pathspec == f"{workspace.run}/start/1" and type(task).__name__ == "Task"
    assert CONTEXT.get_metadata() == opener.metadata  # the task reads the run's stores now


def test_it_is_plain_data_a_remote_worker_can_receive(workspace) -> None:
    opener = _opener(workspace)
    assert pickle.loads(pickle.dumps(opener)) == opener


def test_an_unknown_kind_is_a_flowscope_error(workspace) -> None:
    with pytest.raises(FlowscopeError, match="current.run or .task"):
        _opener(workspace)("flow", workspace.run)


def test_entering_a_task_elsewhere_sets_the_namespace_run_namespace_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowscope.client import get_namespace, namespace

    monkeypatch.setenv("FLOWSCOPE_USER", "ann")
    before = get_namespace()
    try:
        ClientObjects("a", "b", "team:vision").enter()
        assert get_namespace() == "team:vision"
        ClientObjects("a", "b", "").enter()  # --namespace=: every namespace
        assert get_namespace() is None
        ClientObjects("a", "b").enter()  # not given: the run's user's, not the last one set
        assert get_namespace() == "user:ann"
    finally:
        namespace(before)
