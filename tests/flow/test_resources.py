"""@resources: checked attributes, and the typed request an executor reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowSpec, Resources, resources, step, step_resources
from flowscope.flow.resources import declared_resources


class F(FlowSpec):
    @resources(cpu=2, memory="8192", gpu=1)
    @step
    def start(self) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def test_the_request_of_a_step_and_the_defaults() -> None:
    assert step_resources(F, "start") == Resources(cpu=2.0, memory=8192, gpu=1, disk=None)
    assert step_resources(F, "end") == Resources() and declared_resources(F, "end") is None
    assert json.loads(Resources(cpu=0.5).to_json()) == {
        "cpu": 0.5,
        "disk": None,
        "gpu": 0,
        "memory": 4096,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cpu": 0}, "cpu=0 is not valid; expected a number > 0"),
        ({"memory": "lots"}, "memory='lots' is not valid"),
        ({"gpu": -1}, "gpu=-1 is not valid"),
        ({"cpu": True}, "cpu=True is not valid"),
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, Any], message: str) -> None:
    def start(self: Any) -> None:
        pass

    with pytest.raises(FlowDefinitionError, match=message):
        resources(**kwargs)(step(start))
