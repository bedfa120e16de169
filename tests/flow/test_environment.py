"""@environment and the environment a task runs with (environment, then secrets)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowSpec, environment, secrets, step
from flowscope.flow.environment import applied, task_environment


class F(FlowSpec):
    @secrets(sources=[{"type": "inline", "values": {"TOKEN": "t"}}])
    @environment(vars={"MODE": "fast", "LEVEL": 3})
    @step
    def start(self) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def test_a_task_gets_its_steps_variables_only() -> None:
    assert task_environment(F, "start") == {"MODE": "fast", "LEVEL": "3", "TOKEN": "t"}
    assert task_environment(F, "end") == {}


def test_applied_sets_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODE", "slow")
    monkeypatch.delenv("TOKEN", raising=False)
    with applied({"MODE": "fast", "TOKEN": "t"}):
        assert os.environ["MODE"] == "fast" and os.environ["TOKEN"] == "t"
    assert os.environ["MODE"] == "slow" and "TOKEN" not in os.environ


@pytest.mark.parametrize(
    ("vars_", "message"),
    [
        ({"BAD NAME": "x"}, "names of environment variables"),
        ({"OK": ["list"]}, "a string or a number"),
        (["A=1"], "a dict of variable names"),
    ],
)
def test_bad_variables_are_refused(vars_: Any, message: str) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        environment(vars=vars_)(step(lambda self: None))
