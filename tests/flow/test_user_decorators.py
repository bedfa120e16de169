"""User-defined step decorators: before/after, skip, replace, handle failures, nesting."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowSpec, step, user_step_decorator
from flowscope.flow.user_decorators import call_step

calls: list[str] = []


@user_step_decorator
def outer(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
    calls.append(f"outer before {step_name} {attributes}")
    yield
    calls.append("outer after")


@user_step_decorator
def inner(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
    calls.append("inner before")
    yield
    calls.append("inner after")


@user_step_decorator
def skip(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
    flow.value = "skipped"
    yield {}


@user_step_decorator
def replace(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
    def instead(self: Any) -> None:
        self.value = "replaced"

    yield instead


@user_step_decorator
def handle(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
    try:
        yield
    except ZeroDivisionError:
        flow.value = "handled"


class F(FlowSpec):
    @outer(label="x")
    @inner
    @step
    def start(self) -> None:
        calls.append("step")
        self.next(self.a)

    @skip
    @step
    def a(self) -> None:
        raise AssertionError("skipped")
        self.next(self.b)

    @replace
    @step
    def b(self) -> None:
        raise AssertionError("replaced")
        self.next(self.c)

    @handle
    @step
    def c(self) -> None:
        1 / 0  # noqa: B018
        self.next(self.end)

    @handle
    @step
    def end(self) -> None:
        raise KeyError("not handled")


def _run(step_name: str) -> Any:
    flow = F(use_cli=False)
    flow._fs_bind(step_name, None)
    call_step(flow, step_name)
    return flow


def test_the_outermost_decorator_runs_first_and_last() -> None:
    calls.clear()
    flow = _run("start")
    assert calls == ["outer before start {'label': 'x'}", "inner before", "step", "inner after",
                     "outer after"]  # fmt: skip
    assert flow._fs_transition().targets == ("a",)


def test_skip_replace_and_handle_keep_the_steps_own_transition() -> None:
    for name, target in (("a", "b"), ("b", "c"), ("c", "end")):
        flow = _run(name)
        assert flow.value == {"a": "skipped", "b": "replaced", "c": "handled"}[name]
        assert flow._fs_transition().targets == (target,)


def test_an_unhandled_failure_goes_on_to_the_task() -> None:
    with pytest.raises(KeyError, match="not handled"):
        _run("end")


def test_a_decorator_must_be_a_generator_that_yields_once() -> None:
    with pytest.raises(FlowDefinitionError, match="takes a generator function"):
        user_step_decorator(lambda step_name, flow: None)  # type: ignore[arg-type,return-value]

    @user_step_decorator
    def twice(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
        yield
        yield

    class G(FlowSpec):
        @twice
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    flow = G(use_cli=False)
    flow._fs_bind("start", None)
    with pytest.raises(FlowDefinitionError, match="yielded twice"):
        call_step(flow, "start")


def test_a_skipped_switch_goes_to_the_case_its_condition_names() -> None:
    @user_step_decorator
    def choose(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
        flow.mode = "b"
        yield {}

    class S(FlowSpec):
        @choose
        @step
        def start(self) -> None:
            self.mode = "a"
            self.next({"a": self.a, "b": self.b}, condition="mode")

        @step
        def a(self) -> None:
            self.next(self.end)

        @step
        def b(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    flow = S(use_cli=False)
    flow._fs_bind("start", None)
    call_step(flow, "start")
    assert flow._fs_transition().targets == ("b",)
