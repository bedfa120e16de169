"""`@step` and the step decorators `@retry`, `@catch`, `@timeout` and `@parallel`. Pure.

`@step` marks a method of a FlowSpec as a step: it sets `func.is_step = True` and gives the
function an empty list `func.decorators`. Step decorators are stacked above `@step`, with or
without arguments:

    @retry
    @catch(var='failure')
    @step
    def train(self): ...

Each application creates one `StepDecorator` instance, validated against the step it decorates
and appended to `func.decorators` (innermost first). The runtime reads those instances:
`.name` and the typed attributes of each subclass. An attribute given as a config value
(`@timeout(seconds=cfg.limit)`) is checked once the configs are loaded (`resolve_configs`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, overload

from flowscope.errors import FlowDefinitionError
from flowscope.flow.deferred import is_deferred, resolve
from flowscope.flow.names import INTERNAL_PREFIX, RESERVED, is_identifier

if TYPE_CHECKING:
    from flowscope.flow.mutators import StepMutator

F = TypeVar("F", bound=Callable[..., Any])

MAX_RETRIES = 20


def step(func: F) -> F:
    """Mark a FlowSpec method as a step. Step decorators go above it."""
    if not inspect.isfunction(func):
        raise FlowDefinitionError(
            f"@step decorates methods of a FlowSpec (def name(self): ...), "
            f"not {type(func).__name__} {func!r}."
        )
    if not getattr(func, "is_step", False):
        func.__dict__["is_step"] = True
        func.__dict__["decorators"] = []
    return func


def is_step(obj: object) -> bool:
    """True for a function marked with @step."""
    return callable(obj) and getattr(obj, "is_step", False) is True


FLOW_DECORATORS: Final = "_fs_flow_decorators"


def add_flow_decorator(cls: type, decorator: object) -> None:
    """Record a flow-level decorator or mutator on `cls` itself (not on its bases)."""
    own = cls.__dict__.get(FLOW_DECORATORS)
    if own is None:
        own = []
        setattr(cls, FLOW_DECORATORS, own)
    own.append(decorator)


def flow_decorators(cls: type) -> list[Any]:
    """The flow-level decorators and mutators of `cls` and its bases, bases first
    (@project, @exit_hook, flow mutators)."""
    found: list[Any] = []
    for klass in reversed(cls.__mro__):
        found.extend(klass.__dict__.get(FLOW_DECORATORS, ()))
    return found


def step_decorators(func: Callable[..., Any]) -> list[StepDecorator]:
    """The decorators stacked on a step function, innermost first."""
    decorators: list[StepDecorator] = getattr(func, "decorators", [])
    return decorators


STEP_MUTATORS: Final = "mutators"
"""The attribute of a step function listing its step mutators (flow/mutators.py)."""


def step_mutators(func: Any) -> list[StepMutator]:
    """The step mutators on a step function, as they were applied (here, beside
    `step_decorators`, so that a run without mutators never loads flow/mutators.py)."""
    mutators: list[StepMutator] = func.__dict__.get(STEP_MUTATORS, [])
    return mutators


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class StepDecorator:
    """The base of step decorators: a name and validated attributes.

    Subclasses set `name`, store their attributes in `__init__` and check them in
    `_validate`, which raises FlowDefinitionError through `_invalid`.
    """

    name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.step_name: str | None = None

    def attributes(self) -> dict[str, Any]:
        """The attributes as a JSON-safe dict, for display and records."""
        return {}

    def _validate(self) -> None:
        """Check the attribute values; called when the decorator is attached to a step."""

    def _invalid(self, attribute: str, value: object, expected: str) -> FlowDefinitionError:
        return FlowDefinitionError(
            f"@{self.name} on step '{self.step_name}': {attribute}={value!r} is not valid; "
            f"expected {expected}."
        )

    def attach(self, func: F) -> F:
        """Validate this decorator for `func` (a step) and add it to the step's decorators."""
        fname = getattr(func, "__name__", repr(func))
        if not is_step(func):
            raise FlowDefinitionError(
                f"@{self.name} is applied to '{fname}', which is not a step yet. Step "
                f"decorators go above @step:\n    @{self.name}\n    @step\n    def {fname}(self): ..."
            )
        decorators = step_decorators(func)
        if any(d.name == self.name for d in decorators):
            raise FlowDefinitionError(f"@{self.name} is applied twice to step '{fname}'; keep one.")
        self.step_name = fname
        if not is_deferred(vars(self)):
            self._validate()
        decorators.append(self)
        return func

    def resolve_configs(self, configs: Mapping[str, Any]) -> None:
        """Replace attributes given as config values by their values, then check them."""
        if resolve_attributes(self, configs):
            self._validate()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.attributes().items())
        return f"{self.name}({args})"


class RetryDecorator(StepDecorator):
    """Run a failed task again, up to `times` more attempts."""

    name = "retry"

    def __init__(self, times: int = 3, minutes_between_retries: float = 0) -> None:
        super().__init__()
        self.times = times
        self.minutes_between_retries = minutes_between_retries

    def attributes(self) -> dict[str, Any]:
        return {"times": self.times, "minutes_between_retries": self.minutes_between_retries}

    def _validate(self) -> None:
        if not isinstance(self.times, int) or isinstance(self.times, bool):
            raise self._invalid("times", self.times, f"an int from 0 to {MAX_RETRIES}")
        if not 0 <= self.times <= MAX_RETRIES:
            raise self._invalid("times", self.times, f"an int from 0 to {MAX_RETRIES}")
        minutes = self.minutes_between_retries
        if not _is_number(minutes) or minutes < 0:
            raise self._invalid("minutes_between_retries", minutes, "a number >= 0")


class CatchDecorator(StepDecorator):
    """Store a task's failure in the artifact `var` (if given) and let the flow go on."""

    name = "catch"

    def __init__(self, var: str | None = None, print_exception: bool = True) -> None:
        super().__init__()
        self.var = var
        self.print_exception = print_exception

    def attributes(self) -> dict[str, Any]:
        return {"var": self.var, "print_exception": self.print_exception}

    def _validate(self) -> None:
        var = self.var
        if var is not None:
            if not is_identifier(var):
                raise self._invalid("var", var, "an artifact name (a Python identifier)")
            assert isinstance(var, str)
            if var in RESERVED or var.startswith((INTERNAL_PREFIX, "__")):
                raise self._invalid(
                    "var", var, f"a name not reserved by flowscope ({', '.join(sorted(RESERVED))})"
                )
        if not isinstance(self.print_exception, bool):
            raise self._invalid("print_exception", self.print_exception, "True or False")


class TimeoutDecorator(StepDecorator):
    """Fail a task that runs longer than the total of seconds, minutes and hours."""

    name = "timeout"

    def __init__(self, seconds: float = 0, minutes: float = 0, hours: float = 0) -> None:
        super().__init__()
        self._parts = {"seconds": seconds, "minutes": minutes, "hours": hours}
        self.seconds: float = 0

    def attributes(self) -> dict[str, Any]:
        return {"seconds": self.seconds}

    def _validate(self) -> None:
        for attribute, value in self._parts.items():
            if not _is_number(value) or value < 0:
                raise self._invalid(attribute, value, "a number >= 0")
        p = self._parts
        total = p["seconds"] + 60 * p["minutes"] + 3600 * p["hours"]
        if total <= 0:
            raise FlowDefinitionError(
                f"@timeout on step '{self.step_name}' has a total of {total} seconds; "
                f"give a positive limit, e.g. @timeout(minutes=10)."
            )
        self.seconds = total


class ParallelDecorator(StepDecorator):
    """Run the step's tasks as a gang: the step before it calls self.next(self.<step>,
    num_parallel=N), and the N tasks start together (see flow/gang.py)."""

    name = "parallel"


def parallel(func: F) -> F:
    """Run this step as a gang of N tasks started by self.next(self.<step>, num_parallel=N);
    each task reads its place from current.parallel. The step after it must be a join."""
    if not callable(func):
        raise FlowDefinitionError(f"@parallel takes no arguments: write @parallel; got {func!r}.")
    return ParallelDecorator().attach(func)


@overload
def retry(func: F, /) -> F: ...
@overload
def retry(*, times: int = 3, minutes_between_retries: float = 0) -> Callable[[F], F]: ...
def retry(func: Any = None, /, *, times: int = 3, minutes_between_retries: float = 0) -> Any:
    """Retry a failing step up to `times` times (0..20), waiting between attempts."""
    return _apply(RetryDecorator(times, minutes_between_retries), func)


@overload
def catch(func: F, /) -> F: ...
@overload
def catch(*, var: str | None = None, print_exception: bool = True) -> Callable[[F], F]: ...
def catch(func: Any = None, /, *, var: str | None = None, print_exception: bool = True) -> Any:
    """On failure, store the exception in artifact `var` (if given) and carry on."""
    return _apply(CatchDecorator(var, print_exception), func)


@overload
def timeout(func: F, /) -> F: ...
@overload
def timeout(*, seconds: float = 0, minutes: float = 0, hours: float = 0) -> Callable[[F], F]: ...
def timeout(
    func: Any = None, /, *, seconds: float = 0, minutes: float = 0, hours: float = 0
) -> Any:
    """Fail the task when it runs longer than seconds + minutes + hours (total > 0)."""
    return _apply(TimeoutDecorator(seconds, minutes, hours), func)


def resolve_attributes(obj: object, configs: Mapping[str, Any]) -> bool:
    """Replace every attribute of `obj` that is or holds a config value by its value; True
    if there was one."""
    found = False
    for key, value in list(vars(obj).items()):
        if is_deferred(value):
            setattr(obj, key, resolve(value, configs))
            found = True
    return found


def _apply(decorator: StepDecorator, func: Any) -> Any:
    if func is None:
        return decorator.attach
    if not callable(func):
        raise FlowDefinitionError(
            f"@{decorator.name} takes keyword arguments only, e.g. "
            f"@{decorator.name}({_example(decorator.name)}); got {func!r}."
        )
    return decorator.attach(func)


def _example(name: str) -> str:
    examples = {
        "retry": "times=2",
        "catch": "var='failure'",
        "timeout": "seconds=60",
        "resources": "cpu=2, memory=8192",
        "environment": "vars={'MODE': 'fast'}",
        "secrets": "sources=['env.MY_SECRETS']",
    }
    return examples.get(name, "key=value")
