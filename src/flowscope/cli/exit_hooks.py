"""Calling a flow's `@exit_hook` functions when `run` or `resume` ends (flowscope.flow.exit_hook).

A hook that takes `run` (or `**kwargs`) gets the run as a client `Run`, read in the global
namespace from the stores the run recorded to, or None when the run was never recorded or
cannot be read; any other hook is called with nothing. A hook that raises is reported (its
traceback on stderr, a line on the console) and the next one still runs: the run's outcome,
already recorded, stays what it was.
"""

from __future__ import annotations

import inspect
import sys
import traceback
from collections.abc import Callable
from typing import Any

from flowscope.cli.client_objects import ClientObjects
from flowscope.flow.exit_hook import exit_hooks_of
from flowscope.runtime.console import Console

_UNOPENED = object()


def run_exit_hooks(
    flow_cls: type,
    succeeded: bool,
    pathspec: str | None,
    objects: ClientObjects,
    console: Console,
) -> int:
    """Call the hooks for this outcome, in order; return how many raised."""
    hooks = exit_hooks_of(flow_cls, succeeded)
    failures = 0
    run: Any = _UNOPENED  # opened once, for the first hook that asks
    for hook in hooks:
        try:
            if _takes_run(hook):
                if run is _UNOPENED:
                    run = _open_run(pathspec, objects)
                hook(run=run)
            else:
                hook()
        except Exception as exc:  # the hook's own failure; the run is over and recorded
            failures += 1
            print("".join(traceback.format_exception(exc)), file=sys.stderr, end="")
            console.note(f"The exit hook {_name(hook)} failed: {type(exc).__name__}: {exc}")
    return failures


def _takes_run(hook: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(hook).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature
        return False
    return any(
        p.name == "run" and p.kind is not p.POSITIONAL_ONLY or p.kind is p.VAR_KEYWORD
        for p in parameters
    )


def _open_run(pathspec: str | None, objects: ClientObjects) -> Any:
    if pathspec is None:
        return None
    from flowscope.client import namespace
    from flowscope.errors import FlowscopeError

    namespace(None)
    try:
        return objects("run", pathspec)
    except FlowscopeError:
        return None


def _name(hook: Callable[..., Any]) -> str:
    return str(getattr(hook, "__qualname__", None) or repr(hook))
