"""@exit_hook's declaration (flow/exit_hook.py); calling the hooks is tests/cli/test_exit_hooks.py
and tests/e2e/test_exit_hooks.py."""

from __future__ import annotations

import pytest

from flowscope import FlowSpec, exit_hook, project, step
from flowscope.errors import FlowDefinitionError
from flowscope.flow.exit_hook import exit_hooks_of


def ok() -> None:
    pass


def bad(run: object) -> None:
    pass


def _flow() -> type:
    class Base(FlowSpec):
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    return Base


def test_hooks_are_kept_in_order_bases_first_and_by_outcome() -> None:
    base = exit_hook(on_success=[ok])(_flow())

    @project(name="demo")
    @exit_hook(on_error=[bad, ok])
    class Child(base):  # type: ignore[misc, valid-type]
        pass

    assert exit_hooks_of(Child, succeeded=True) == [ok]
    assert exit_hooks_of(Child, succeeded=False) == [bad, ok]
    assert exit_hooks_of(_flow(), succeeded=False) == []


def test_one_function_where_a_list_was_meant_is_taken() -> None:
    flow = exit_hook(on_error=bad)(_flow())  # type: ignore[arg-type]
    assert exit_hooks_of(flow, succeeded=False) == [bad]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one function"),
        ({"on_success": []}, "at least one function"),
        ({"on_success": ["ok"]}, "'ok' is not a function"),
        ({"on_error": [ok()]}, "None is not a function"),
        ({"on_error": "ok"}, "takes a list of functions"),
    ],
)
def test_what_is_not_a_list_of_functions_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        exit_hook(**kwargs)


def test_it_decorates_classes_only() -> None:
    with pytest.raises(FlowDefinitionError, match="decorates a flow class"):
        exit_hook(on_success=[ok])(ok)  # type: ignore[type-var]
