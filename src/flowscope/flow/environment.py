"""`@environment(vars={...})`, and the environment a task of a step runs with.

`task_environment(flow_cls, step)` is what the runtime calls in a task's own process before
the step runs: it returns the variables to set, from @environment and then @secrets.
`applied(variables)` sets them for the duration of a `with` block and puts the previous
environment back afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from flowscope.flow.decorators import StepDecorator, _apply, step_decorators
from flowscope.flow.secrets import _ENV_NAME, SecretsDecorator

F = TypeVar("F", bound=Callable[..., Any])


class EnvironmentDecorator(StepDecorator):
    """Set environment variables for each task of the step."""

    name = "environment"

    def __init__(self, vars: Mapping[str, object] | None = None) -> None:
        super().__init__()
        self.vars: Any = dict(vars) if isinstance(vars, Mapping) else vars

    def attributes(self) -> dict[str, Any]:
        return {"vars": dict(self.vars or {})}

    def _validate(self) -> None:
        if self.vars is None:
            self.vars = {}
        if not isinstance(self.vars, Mapping):
            raise self._invalid("vars", self.vars, "a dict of variable names to values")
        checked: dict[str, str] = {}
        for key, value in self.vars.items():
            if not isinstance(key, str) or not _ENV_NAME.match(key):
                raise self._invalid(
                    "vars", key, "names of environment variables (letters, digits, _)"
                )
            if not isinstance(value, (str, int, float, bool)):
                raise self._invalid(f"vars[{key!r}]", value, "a string or a number")
            checked[key] = str(value)
        self.vars = checked


@overload
def environment(func: F, /) -> F: ...
@overload
def environment(*, vars: Mapping[str, object] | None = None) -> Callable[[F], F]: ...
def environment(func: Any = None, /, *, vars: Mapping[str, object] | None = None) -> Any:
    """Set environment variables (`vars`, names to values) for each task of the step."""
    return _apply(EnvironmentDecorator(vars), func)


def task_environment(flow_cls: type[Any], step: str) -> dict[str, str]:
    """The variables a task of `step` runs with: @environment's, then @secrets' (fetched now,
    in the task's process)."""
    variables: dict[str, str] = {}
    decorators = step_decorators(getattr(flow_cls, step))
    for deco in decorators:
        if isinstance(deco, EnvironmentDecorator):
            variables.update(deco.vars)
    for deco in decorators:
        if isinstance(deco, SecretsDecorator):
            variables.update(deco.fetch())
    return variables


@contextmanager
def applied(variables: Mapping[str, str]) -> Iterator[None]:
    """Set `variables` in os.environ inside the block; restore the previous values after."""
    if not variables:
        yield
        return
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
