"""`@exit_hook(on_success=[...], on_error=[...])`: functions called when a run ends. Pure.

    def notify(run):                 # takes `run`: gets the client Run (None if the run was
        print(run.pathspec, "failed")  # never recorded); a function without it gets nothing

    @exit_hook(on_error=[notify], on_success=[lambda: print("done")])
    class TrainFlow(FlowSpec): ...

As in the family: the hooks run after the run ends, whatever its end (`end` does not run when
a run fails; they do), outside any step, so they produce no artifacts; the decorator may be
given more than once. The calling is the command line's (flowscope.cli.exit_hooks): a hook
that raises is reported and does not change the run's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import add_flow_decorator, flow_decorators

C = TypeVar("C", bound=type)
Hook = Callable[..., Any]


class ExitHookDecorator:
    name: Final = "exit_hook"

    def __init__(self, on_success: Sequence[Hook] = (), on_error: Sequence[Hook] = ()) -> None:
        self.on_success = _hooks(on_success, "on_success")
        self.on_error = _hooks(on_error, "on_error")
        if not self.on_success and not self.on_error:
            raise FlowDefinitionError(
                "@exit_hook needs at least one function: give on_success=[...] and/or "
                "on_error=[...]."
            )

    def __call__(self, cls: C) -> C:
        if not isinstance(cls, type):
            raise FlowDefinitionError(
                f"@exit_hook decorates a flow class (class MyFlow(FlowSpec)), not {cls!r:.60}."
            )
        add_flow_decorator(cls, self)
        return cls

    def __repr__(self) -> str:
        names = [_name(f) for f in (*self.on_success, *self.on_error)]
        return f"exit_hook({', '.join(names)})"


def exit_hook(
    *, on_success: Sequence[Hook] = (), on_error: Sequence[Hook] = ()
) -> ExitHookDecorator:
    """Call `on_success` functions when a run succeeds, `on_error` ones when it does not."""
    return ExitHookDecorator(on_success, on_error)


def exit_hooks_of(cls: type, succeeded: bool) -> list[Hook]:
    """The hooks of `cls` (and its bases, bases first) for a run that did or did not succeed."""
    found: list[Hook] = []
    for decorator in flow_decorators(cls):
        if isinstance(decorator, ExitHookDecorator):
            found.extend(decorator.on_success if succeeded else decorator.on_error)
    return found


def _hooks(given: object, where: str) -> tuple[Hook, ...]:
    if callable(given):  # one function where a list was meant: take it
        return (given,)
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
        raise FlowDefinitionError(
            f"@exit_hook({where}=...) takes a list of functions, not {given!r:.60}."
        )
    for item in given:
        if not callable(item):
            raise FlowDefinitionError(
                f"@exit_hook({where}=...): {item!r:.60} is not a function; give the function "
                f"itself (on_success=[notify]), not its name or its result."
            )
    return tuple(given)


def _name(function: Hook) -> str:
    return str(getattr(function, "__qualname__", None) or repr(function))
