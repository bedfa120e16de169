"""@step and the step decorators: stacking, defaults, validation."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import catch, retry, step, timeout
from flowscope.flow.decorators import (
    CatchDecorator,
    RetryDecorator,
    TimeoutDecorator,
    is_step,
    step_decorators,
)


def a_step(name: str = "train") -> Any:
    def func(self: Any) -> None:  # pragma: no cover - never run
        pass

    func.__name__ = name
    return step(func)


def test_step_marks_the_function() -> None:
    func = a_step()
    assert func.is_step is True and func.decorators == []
    assert is_step(func) and not is_step(lambda: None) and not is_step(None)
    assert step(func) is func  # applying twice is harmless


def test_step_rejects_what_is_not_a_function() -> None:
    with pytest.raises(FlowDefinitionError, match="@step decorates methods"):
        step(staticmethod(lambda: None))  # type: ignore[arg-type]


@pytest.mark.parametrize("bare", [True, False])
def test_retry_with_and_without_parentheses(bare: bool) -> None:
    func = retry(a_step()) if bare else retry()(a_step())
    (deco,) = step_decorators(func)
    assert isinstance(deco, RetryDecorator)
    assert deco.name == "retry" and deco.times == 3 and deco.minutes_between_retries == 0
    assert deco.step_name == "train"


def test_attributes_are_what_the_runtime_reads() -> None:
    func = timeout(minutes=1, seconds=30)(catch(var="failure")(retry(times=2)(a_step())))
    retry_deco, catch_deco, timeout_deco = func.decorators
    assert isinstance(retry_deco, RetryDecorator) and retry_deco.times == 2
    assert isinstance(catch_deco, CatchDecorator)
    assert catch_deco.var == "failure" and catch_deco.print_exception is True
    assert isinstance(timeout_deco, TimeoutDecorator) and timeout_deco.seconds == 90
    assert repr(catch_deco) == "catch(var='failure', print_exception=True)"
    assert timeout(hours=1)(a_step()).decorators[0].seconds == 3600


def test_catch_without_a_var() -> None:
    (deco,) = catch(a_step()).decorators
    assert deco.var is None


def test_a_decorator_below_step_names_the_function_and_the_fix() -> None:
    def train(self: Any) -> None:  # pragma: no cover - never run
        pass

    with pytest.raises(FlowDefinitionError) as info:
        step(retry(train))
    message = str(info.value)
    assert "'train'" in message and "go above @step" in message
    assert "@retry\n    @step\n    def train(self)" in message


def test_a_decorator_on_a_plain_function() -> None:
    def helper(self: Any) -> None:  # pragma: no cover - never run
        pass

    with pytest.raises(FlowDefinitionError, match="'helper', which is not a step"):
        catch(var="x")(helper)


def test_the_same_decorator_twice() -> None:
    with pytest.raises(FlowDefinitionError, match="@retry is applied twice to step 'train'"):
        retry(retry(a_step()))


def test_positional_arguments_are_refused_with_an_example() -> None:
    with pytest.raises(
        FlowDefinitionError, match=r"keyword arguments only, e.g. @retry\(times=2\)"
    ):
        retry(2)


@pytest.mark.parametrize(
    ("apply", "fragment"),
    [
        (lambda f: retry(times=21)(f), "times=21"),
        (lambda f: retry(times=-1)(f), "times=-1"),
        (lambda f: retry(times="3")(f), "times='3'"),
        (lambda f: retry(times=True)(f), "times=True"),
        (lambda f: retry(minutes_between_retries=-1)(f), "minutes_between_retries=-1"),
        (lambda f: catch(var="1bad")(f), "var='1bad'"),
        (lambda f: catch(var="next")(f), "var='next'"),
        (lambda f: catch(var="_fs_x")(f), "var='_fs_x'"),
        (lambda f: catch(print_exception="yes")(f), "print_exception='yes'"),
        (lambda f: timeout(seconds=-5)(f), "seconds=-5"),
        (lambda f: timeout(minutes="2")(f), "minutes='2'"),
    ],
)
def test_bad_values_name_decorator_step_and_value(apply: Any, fragment: str) -> None:
    with pytest.raises(FlowDefinitionError) as info:
        apply(a_step("fit"))
    message = str(info.value)
    assert "on step 'fit'" in message and fragment in message
    assert message.startswith("@")


def test_timeout_needs_a_positive_total() -> None:
    with pytest.raises(FlowDefinitionError, match="@timeout on step 'fit' has a total of 0"):
        timeout(a_step("fit"))
    assert a_step("ok").decorators == []
