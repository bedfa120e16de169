"""Class-based user step decorators, the family's UserStepDecorator (flow/user_classes.py):
before/after, arguments, skip, replace, handled and re-raised failures, --with."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope import FlowSpec, UserStepDecorator, step
from flowscope.errors import FlowDefinitionError
from flowscope.flow.mutators import MutableStep
from flowscope.flow.user_decorators import call_step

calls: list[str] = []


class traced(UserStepDecorator):
    def init(self, label: str = "-") -> None:
        self.label = label

    def pre_step(self, step_name: str, flow: Any, inputs: Any = None) -> Any:
        calls.append(f"pre {step_name} {self.label}")
        return None

    def post_step(self, step_name: str, flow: Any, exception: BaseException | None = None) -> Any:
        calls.append(f"post {step_name} {type(exception).__name__ if exception else None}")
        flow.traced = True
        return exception, None


class skipper(UserStepDecorator):
    def pre_step(self, step_name: str, flow: Any, inputs: Any = None) -> Any:
        self.skip_step = True
        flow.value = "skipped"
        return None


class replacer(UserStepDecorator):
    def pre_step(self, step_name: str, flow: Any, inputs: Any = None) -> Any:
        def instead(f: Any) -> None:
            f.value = "replaced"

        return instead


class swallow(UserStepDecorator):
    def post_step(self, step_name: str, flow: Any, exception: BaseException | None = None) -> Any:
        flow.value = f"handled {type(exception).__name__}"
        return None  # as in the family: None handles the failure


class F(FlowSpec):
    @traced(label="x")
    @step
    def start(self) -> None:
        calls.append("step")
        self.next(self.a)

    @skipper
    @step
    def a(self) -> None:
        raise AssertionError("skipped")
        self.next(self.b)

    @replacer
    @step
    def b(self) -> None:
        raise AssertionError("replaced")
        self.next(self.c)

    @swallow
    @step
    def c(self) -> None:
        1 / 0  # noqa: B018
        self.next(self.d)

    @traced
    @step
    def d(self) -> None:
        raise KeyError("stays")
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def _run(step_name: str) -> Any:
    flow = F(use_cli=False)
    flow._fs_bind(step_name, None)
    call_step(flow, step_name)
    return flow


def test_pre_and_post_run_around_the_step_with_the_arguments() -> None:
    calls.clear()
    flow = _run("start")
    assert calls == ["pre start x", "step", "post start None"]
    assert flow.traced and flow._fs_transition().targets == ("a",)


def test_skip_replace_and_handle_keep_the_steps_own_transition() -> None:
    for name, target, value in (
        ("a", "b", "skipped"),
        ("b", "c", "replaced"),
        ("c", "d", "handled ZeroDivisionError"),
    ):
        flow = _run(name)
        assert flow.value == value
        assert flow._fs_transition().targets == (target,)


def test_the_default_post_step_keeps_a_failure_a_failure() -> None:
    calls.clear()
    with pytest.raises(KeyError, match="stays"):
        _run("d")
    assert calls == ["pre d -", "post d KeyError"]


def test_arguments_and_answers_are_checked() -> None:
    with pytest.raises(FlowDefinitionError, match="keyword arguments only"):
        traced("positional")
    with pytest.raises(FlowDefinitionError, match="unexpected keyword argument 'nope'"):
        traced(nope=1)
    with pytest.raises(FlowDefinitionError, match="takes no arguments"):
        skipper(x=1)

    class bad_next(UserStepDecorator):
        def post_step(self, step_name: str, flow: Any, exception: Any = None) -> Any:
            return None, {"foreach": "x"}

    class G(FlowSpec):
        @bad_next
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    flow = G(use_cli=False)
    flow._fs_bind("start", None)
    with pytest.raises(FlowDefinitionError, match="takes None or \\{\\} there"):
        call_step(flow, "start")


def test_a_class_is_added_by_name_as_with_adds_it() -> None:
    class H(FlowSpec):
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    MutableStep("start", H.start).add_decorator(traced, deco_kwargs={"label": "w"})
    calls.clear()
    flow = H(use_cli=False)
    flow._fs_bind("start", None)
    call_step(flow, "start")
    assert calls == ["pre start w", "post start None"]
