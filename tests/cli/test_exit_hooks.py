"""Calling @exit_hook functions (cli/exit_hooks.py): which get the run, what a failing hook
does. End to end: tests/e2e/test_exit_hooks.py."""

from __future__ import annotations

import io
from typing import Any

from flowscope import FlowSpec, exit_hook, step
from flowscope.cli.client_objects import ClientObjects
from flowscope.cli.exit_hooks import run_exit_hooks
from flowscope.runtime.console import Console

CALLS: list[tuple[str, Any]] = []


def plain() -> None:
    CALLS.append(("plain", None))


def with_run(run: Any) -> None:
    CALLS.append(("with_run", run))


def keyword_only(*, run: Any = "unset") -> None:
    CALLS.append(("keyword_only", run))


def anything(**kwargs: Any) -> None:
    CALLS.append(("anything", kwargs))


def raising() -> None:
    raise KeyError("boom")


@exit_hook(on_error=[plain, raising, with_run, keyword_only, anything, len])
class HookedFlow(FlowSpec):
    @step
    def start(self) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def test_hooks_that_ask_for_the_run_get_it_the_rest_get_nothing_and_failures_are_reported(
    capsys: Any,
) -> None:
    CALLS.clear()
    out = io.StringIO()
    objects = ClientObjects("local@/nowhere", "/nowhere")
    failures = run_exit_hooks(HookedFlow, False, None, objects, Console(out))
    assert failures == 2  # raising, and len() called with nothing
    assert CALLS == [
        ("plain", None),
        ("with_run", None),  # never recorded: None
        ("keyword_only", None),
        ("anything", {"run": None}),
    ]
    assert "The exit hook raising failed: KeyError: 'boom'" in out.getvalue()
    assert "Traceback" in capsys.readouterr().err


def test_a_run_that_cannot_be_read_is_none(tmp_path: Any) -> None:
    CALLS.clear()
    objects = ClientObjects(f"local@{tmp_path}", str(tmp_path))  # no store there
    run_exit_hooks(HookedFlow, False, "HookedFlow/3", objects, Console(io.StringIO()))
    assert ("with_run", None) in CALLS


def test_no_hooks_for_the_other_outcome() -> None:
    CALLS.clear()
    assert run_exit_hooks(HookedFlow, True, None, ClientObjects("a", "b"), Console()) == 0
    assert CALLS == []
