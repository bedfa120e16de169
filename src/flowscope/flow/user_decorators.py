"""User-defined step decorators: a generator function marked with `@user_step_decorator`.

    @user_step_decorator
    def timed(step_name, flow, inputs=None, attributes=None):
        start = time.time()
        yield                          # the step runs here
        flow.seconds = time.time() - start

    @timed                             # or @timed(key=value): `attributes` is that dict
    @step
    def train(self): ...

Code before `yield` runs before the step, code after it once the step succeeded. The step's
exception is raised at the `yield`: catch it to handle it (the task then succeeds), or let
it go. `yield {}` skips the step; `yield func` runs `func(flow)` (for a join
`func(flow, inputs)`) instead of it. A skipped or replaced step still goes where its
`self.next(...)` says. Decorators stacked on one step nest: the outermost runs first.
`call_step` is how the runtime calls a step with them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Mapping
from typing import Any

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import StepDecorator, is_step, step_decorators

DecoratorFunction = Callable[..., Generator[Any, Any, Any]]
USER_SKIP_STEP: dict[
    str, Any
] = {}  # `yield USER_SKIP_STEP` skips the step (the family's name for {})


class UserDecorator(StepDecorator):
    """One application of a user-defined decorator to a step: its attributes."""

    function: DecoratorFunction

    def __init__(self, attributes: Mapping[str, Any]) -> None:
        super().__init__()
        self.user_attributes = dict(attributes)

    def attributes(self) -> dict[str, Any]:
        return dict(self.user_attributes)


class UserStepDecorator:
    """What `@user_step_decorator` makes of a generator function: apply it as `@name` or
    `@name(key=value, ...)` above `@step`."""

    def __init__(self, function: DecoratorFunction) -> None:
        if not inspect.isgeneratorfunction(function):
            raise FlowDefinitionError(
                f"@user_step_decorator takes a generator function (one that yields once), "
                f"got {function!r}; add a `yield` where the step should run."
            )
        self.function = function
        self.name = function.__name__
        self.decorator_class: type[UserDecorator] = type(
            f"UserDecorator_{self.name}",
            (UserDecorator,),
            {"name": self.name, "function": staticmethod(function), "__module__": __name__},
        )
        self.__doc__ = function.__doc__
        self.__wrapped__ = function

    def __call__(self, func: Any = None, /, **attributes: Any) -> Any:
        if func is not None and not attributes and callable(func) and is_step(func):
            return self.decorator_class({}).attach(func)
        if func is not None:
            raise FlowDefinitionError(
                f"@{self.name} takes keyword arguments only, e.g. @{self.name}(key=value); "
                f"got {func!r}."
            )
        return self.decorator_class(attributes).attach

    def __repr__(self) -> str:
        return f"<user step decorator {self.name}>"


def user_step_decorator(function: DecoratorFunction) -> UserStepDecorator:
    """Make a generator function a step decorator (see the module doc)."""
    return UserStepDecorator(function)


def call_step(flow: Any, step_name: str, inputs: Any = None) -> None:
    """Run the step `step_name` on the bound `flow` (with `inputs` for a join), through the
    user-defined decorators on it."""
    method = getattr(flow, step_name)
    is_join = inputs is not None
    users = [d for d in step_decorators(method.__func__) if isinstance(d, UserDecorator)]
    if not users:
        method(inputs) if is_join else method()
        return
    entered: list[tuple[UserDecorator, Generator[Any, Any, Any]]] = []
    error: BaseException | None = None
    body: Callable[[], Any] | None = (lambda: method(inputs)) if is_join else method
    try:
        for deco in reversed(users):  # outermost first
            gen = deco.function(step_name, flow, inputs, dict(deco.user_attributes))
            if not inspect.isgenerator(gen):
                raise FlowDefinitionError(f"@{deco.name} did not return a generator.")
            try:
                given = next(gen)
            except StopIteration:
                raise FlowDefinitionError(
                    f"@{deco.name} on step '{step_name}' ended without yielding; a step "
                    f"decorator yields once, where the step runs."
                ) from None
            entered.append((deco, gen))
            if isinstance(given, dict) and not given:
                body = None  # skip the step (and the decorators inside this one)
                break
            if callable(given):
                body = _replacement(given, flow, inputs)
                break
            if given is not None:
                raise FlowDefinitionError(
                    f"@{deco.name} on step '{step_name}' yielded {type(given).__name__}; yield "
                    f"nothing (run the step), {{}} (skip it) or a function (run it instead)."
                )
        if body is not None:
            body()
    except BaseException as exc:  # handed to the decorators, innermost first
        error = exc
    follow = body is not method  # skipped or replaced: no self.next(...) of the user's ran
    for deco, gen in reversed(entered):
        try:
            if error is None:
                next(gen)
            else:
                gen.throw(error)
        except StopIteration:
            if error is not None:  # the decorator handled the step's failure
                error, follow = None, True
            continue
        except BaseException as exc:
            error = exc
            continue
        error = FlowDefinitionError(
            f"@{deco.name} on step '{step_name}' yielded twice; a step decorator yields once."
        )
    if error is not None:
        raise error
    if follow and flow._fs_transition() is None:
        _follow_source(flow, step_name)


def _replacement(func: Callable[..., Any], flow: Any, inputs: Any) -> Callable[[], Any]:
    """A function yielded by a decorator, to run instead of the step."""
    if inputs is not None:
        return lambda: func(flow, inputs)
    return lambda: func(flow)


def _follow_source(flow: Any, step_name: str) -> None:
    """A skipped or replaced step goes where its own self.next(...) call says: the call is
    made for it, with the arguments its source spells out (a switch reads its condition)."""
    call, _ = flow._fs_static(step_name)
    if call is None:
        return
    if call.is_switch:
        cases = {key: getattr(flow, target) for key, target in call.cases}
        flow.next(cases, condition=call.condition)
    else:
        flow.next(*(getattr(flow, t) for t in call.targets), foreach=call.foreach)
