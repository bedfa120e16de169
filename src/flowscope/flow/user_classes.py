"""Class-based user step decorators, the family's `UserStepDecorator`:

    class timed(UserStepDecorator):
        def init(self, unit="s"):                  # the decorator's arguments (keywords)
            self.unit = unit
        def pre_step(self, step_name, flow, inputs=None):
            self.began = time.time()               # return a function to run instead
        def post_step(self, step_name, flow, exception=None):
            flow.took = time.time() - self.began
            return exception, None                 # the default: a failure stays one

    @timed                                         # or @timed(unit="ms"); or --with mod.timed
    @step
    def train(self): ...

`pre_step` may set `self.skip_step = True` to skip the step, or return a function to run in
its place (`f(flow)`, for a join `f(flow, inputs)`). `post_step` gets the step's exception (or
None) and returns what stays of it: an exception (raised), None (handled: the task
succeeds), or `(exception, next_args)` where `next_args` must be None or {} (the step goes
where its own `self.next(...)` says). Each step gets its own instance. Underneath it is the
generator protocol of `@user_step_decorator` (flow/user_decorators.py), which runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import is_step
from flowscope.flow.user_decorators import UserDecorator


class _UserClassMeta(type):
    """`@Deco` over a step attaches a fresh instance; `Deco(**kwargs)` makes one to apply."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]) and is_step(args[0]):
            return cls._new({})._attach(args[0])
        if args:
            raise FlowDefinitionError(
                f"@{cls.__name__} takes keyword arguments only, e.g. @{cls.__name__}(key=value); "
                f"got {args[0]!r:.60}."
            )
        return cls._new(kwargs)

    def _new(cls, kwargs: dict[str, Any]) -> Any:
        instance: Any = object.__new__(cls)  # type: ignore[arg-type]
        instance._kwargs = dict(kwargs)
        instance._skip = False
        try:
            instance.init(**kwargs)
        except TypeError as exc:
            raise FlowDefinitionError(f"@{cls.__name__}(...): {exc}.") from None
        return instance


class UserStepDecorator(metaclass=_UserClassMeta):
    """Subclass and override `init`, `pre_step`, `post_step` (see the module doc)."""

    _kwargs: dict[str, Any]
    _skip: bool | dict[str, Any]

    def init(self, **kwargs: Any) -> None:
        """The decorator's keyword arguments; the default keeps none."""
        if kwargs:
            raise FlowDefinitionError(
                f"@{type(self).__name__} takes no arguments (define init() to take some); got "
                f"{', '.join(sorted(kwargs))}."
            )

    def pre_step(self, step_name: str, flow: Any, inputs: Any = None) -> Callable[..., Any] | None:
        return None

    def post_step(self, step_name: str, flow: Any, exception: BaseException | None = None) -> Any:
        return exception, None

    @property
    def skip_step(self) -> bool | dict[str, Any]:
        return self._skip

    @skip_step.setter
    def skip_step(self, value: bool | dict[str, Any]) -> None:
        if value not in (True, False) and value != {}:
            raise FlowDefinitionError(
                f"@{type(self).__name__}: skip_step takes True or False (a skipped step goes "
                f"where its own self.next(...) says), not {value!r:.60}."
            )
        self._skip = bool(value) or value == {}

    def __call__(self, func: Any) -> Any:
        return self._attach(func)

    def _attach(self, func: Any) -> Any:
        owner = self
        name = type(self).__name__

        def run(
            step_name: str, flow: Any, inputs: Any = None, attributes: Any = None
        ) -> Generator[Any, Any, None]:
            return _protocol(owner, step_name, flow, inputs)

        decorator_class = type(
            f"UserDecorator_{name}",
            (UserDecorator,),
            {"name": name, "function": staticmethod(run), "__module__": __name__},
        )
        return decorator_class(self._kwargs).attach(func)


def _protocol(
    deco: UserStepDecorator, step_name: str, flow: Any, inputs: Any
) -> Generator[Any, Any, None]:
    """The class's hooks as the one-yield generator `call_step` drives."""
    replacement = deco.pre_step(step_name, flow, inputs)
    if replacement is not None and not callable(replacement):
        raise FlowDefinitionError(
            f"@{type(deco).__name__}.pre_step returned {type(replacement).__name__}; return "
            f"None (run the step) or a function to run instead."
        )
    try:
        yield {} if deco.skip_step else replacement
    except Exception as exc:
        _raise_what_stays(deco, deco.post_step(step_name, flow, exc))
        return
    _raise_what_stays(deco, deco.post_step(step_name, flow, None))


def _raise_what_stays(deco: UserStepDecorator, answer: Any) -> None:
    error, next_args = answer if isinstance(answer, tuple) and len(answer) == 2 else (answer, None)
    if next_args:
        raise FlowDefinitionError(
            f"@{type(deco).__name__}.post_step returned next() arguments {next_args!r:.60}; "
            f"flowscope takes None or {{}} there (the step goes where its self.next(...) says)."
        )
    if error is not None:
        if not isinstance(error, BaseException):
            raise FlowDefinitionError(
                f"@{type(deco).__name__}.post_step returned {error!r:.60}; return an exception, "
                f"None, or (exception, None)."
            )
        raise error
