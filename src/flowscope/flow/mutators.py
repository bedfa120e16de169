"""Mutators: classes that add, change or remove a flow's decorators and parameters before a
run starts, once its configs are loaded.

    class robust(FlowMutator):
        def init(self, times=2):                   # the decorator's arguments
            self.times = times

        def mutate(self, mutable_flow):
            for name, step in mutable_flow.steps:
                step.add_decorator("retry", deco_kwargs={"times": self.times},
                                   duplicates=step.IGNORE)

    @robust(times=3)                               # or @robust
    class TrainFlow(FlowSpec): ...

A `StepMutator` is used the same way above `@step` and receives a `MutableStep`. Flow
mutators' `pre_mutate` run first, then step mutators, then flow mutators' `mutate`. Their
arguments may be config values (`@dataset(url=cfg.url)`): they are known by then.
`add_decorator` takes a decorator (`retry`, a user-defined one) or its name, and `duplicates`
says what happens when the step has one already: IGNORE (keep the step's), OVERRIDE
(replace it) or ERROR.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from flowscope.errors import FlowDefinitionError
from flowscope.flow.config import ConfigValue, flow_configs
from flowscope.flow.decorators import (
    STEP_MUTATORS,
    StepDecorator,
    add_flow_decorator,
    is_step,
    step_decorators,
    step_mutators as step_mutators,  # its home was here
)
from flowscope.flow.parameters import Parameter, flow_parameters

_BUILTIN = {
    "card": "flowscope.flow.card",
    "retry": "flowscope.flow.decorators",
    "catch": "flowscope.flow.decorators",
    "timeout": "flowscope.flow.decorators",
    "resources": "flowscope.flow.resources",
    "environment": "flowscope.flow.environment",
    "secrets": "flowscope.flow.secrets",
    "kubernetes": "flowscope.flow.compute",
    "batch": "flowscope.flow.compute",
    "pypi": "flowscope.flow.packages",
    "conda": "flowscope.flow.packages",
}


class _Mutator:
    """Shared by FlowMutator and StepMutator: used bare (`@m`) or with arguments (`@m(...)`);
    the arguments go to `init`, not `__init__`."""

    _target_kind: ClassVar[str] = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        self = super().__new__(cls)
        if len(args) == 1 and not kwargs and cls._is_target(args[0]):
            self.init()
            return self._attach(args[0])
        self.init(*args, **kwargs)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Arguments are handled by `init` (see the class doc)."""

    def init(self, *args: Any, **kwargs: Any) -> None:
        """Take the mutator's arguments; override to keep them."""

    @classmethod
    def _is_target(cls, obj: object) -> bool:
        return False

    def _attach(self, target: Any) -> Any:
        raise NotImplementedError

    def __call__(self, target: Any) -> Any:
        if not type(self)._is_target(target):
            raise FlowDefinitionError(
                f"@{type(self).__name__} decorates {self._target_kind}, not {target!r}."
            )
        return self._attach(target)


class FlowMutator(_Mutator):
    """A class decorator that changes the flow before a run: override `mutate` (and, to run
    before step mutators, `pre_mutate`); both receive a MutableFlow."""

    _target_kind = "a flow class"

    def pre_mutate(self, mutable_flow: MutableFlow) -> None:
        """Called first, before step mutators."""

    def mutate(self, mutable_flow: MutableFlow) -> None:
        """Called after step mutators."""

    @classmethod
    def _is_target(cls, obj: object) -> bool:
        return isinstance(obj, type)

    def _attach(self, target: Any) -> Any:
        add_flow_decorator(target, self)
        return target


class StepMutator(_Mutator):
    """A step decorator that changes the step's decorators before a run: override `mutate`,
    which receives a MutableStep. Goes above @step."""

    _target_kind = "a step (put it above @step)"

    def mutate(self, mutable_step: MutableStep) -> None:
        """Change the step through `mutable_step`."""

    @classmethod
    def _is_target(cls, obj: object) -> bool:
        return callable(obj) and is_step(obj)

    def _attach(self, target: Any) -> Any:
        target.__dict__.setdefault(STEP_MUTATORS, []).append(self)
        return target


class MutableStep:
    """One step, as a mutator sees it."""

    IGNORE: ClassVar[str] = "ignore"
    OVERRIDE: ClassVar[str] = "override"
    ERROR: ClassVar[str] = "error"

    def __init__(self, name: str, func: Any) -> None:
        self.name = name
        self._func = func

    @property
    def decorators(self) -> list[StepDecorator]:
        """The step's decorators, innermost first."""
        return list(step_decorators(self._func))

    @property
    def decorator_specs(self) -> Iterator[tuple[str, str, tuple[Any, ...], dict[str, Any]]]:
        """(name, module, args, attributes) of each decorator; the attributes are a copy."""
        for deco in step_decorators(self._func):
            yield deco.name, type(deco).__module__, (), dict(deco.attributes())

    def add_decorator(
        self,
        deco_type: Any,
        deco_args: tuple[Any, ...] = (),
        deco_kwargs: Mapping[str, Any] | None = None,
        duplicates: str = ERROR,
    ) -> None:
        """Add a decorator (a decorator function, a user-defined decorator, or the name of
        either: "retry", "mymodule.mydeco") with `deco_kwargs` as its arguments."""
        if deco_args:
            raise FlowDefinitionError(
                f"add_decorator on step '{self.name}': decorators take keyword arguments only; "
                f"pass deco_kwargs={{...}}."
            )
        factory = _factory(deco_type)
        name = str(getattr(factory, "name", getattr(factory, "__name__", "")))
        existing = [d for d in step_decorators(self._func) if d.name == name]
        if existing:
            if duplicates == self.IGNORE:
                return
            if duplicates == self.ERROR:
                raise FlowDefinitionError(
                    f"A mutator adds @{name} to step '{self.name}', which has one already; "
                    f"remove it, or add it with duplicates=IGNORE or OVERRIDE."
                )
            if duplicates != self.OVERRIDE:
                raise FlowDefinitionError(
                    f"add_decorator: duplicates={duplicates!r} is not one of IGNORE, "
                    f"OVERRIDE, ERROR."
                )
            self.remove_decorator(name)
        kwargs = dict(deco_kwargs or {})
        if kwargs:
            factory(**kwargs)(self._func)
        else:
            factory(self._func)

    def remove_decorator(self, name: str) -> bool:
        """Remove the step's decorator called `name`; False if it has none."""
        decorators = step_decorators(self._func)
        kept = [d for d in decorators if d.name != name]
        removed = len(kept) != len(decorators)
        decorators[:] = kept
        return removed

    def __repr__(self) -> str:
        return f"MutableStep({self.name!r})"


class MutableFlow:
    """A flow class, as a mutator sees it: its steps, configs and parameters. A config is
    also readable as an attribute (`mutable_flow.limits`)."""

    def __init__(self, flow_cls: type[Any], configs: Mapping[str, Any]) -> None:
        self._cls = flow_cls
        self._configs = dict(configs)

    @property
    def steps(self) -> Iterator[tuple[str, MutableStep]]:
        for name in dir(self._cls):
            func = getattr(self._cls, name, None)
            if is_step(func):
                yield name, MutableStep(name, func)

    @property
    def configs(self) -> Iterator[tuple[str, ConfigValue | None]]:
        for name in flow_configs(self._cls):
            yield name, self._value(name)

    @property
    def parameters(self) -> Iterator[tuple[str, Parameter]]:
        for attr, param in flow_parameters(self._cls).items():
            if param.name not in self._configs:
                yield attr, param

    def _value(self, name: str) -> ConfigValue | None:
        value = self._configs.get(name)
        return ConfigValue(value) if isinstance(value, Mapping) else None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        params = flow_parameters(self._cls)
        config = params.get(name)
        key = config.name if config is not None else name
        if key in self._configs:
            return self._value(key)
        raise AttributeError(f"{self._cls.__name__} has no config '{name}'.")

    def add_parameter(self, name: str, value: Parameter, overwrite: bool = False) -> None:
        """Add `value` as the parameter attribute `name`."""
        if not isinstance(value, Parameter):
            raise FlowDefinitionError(f"add_parameter('{name}'): give a Parameter, got {value!r}.")
        if hasattr(self._cls, name) and not overwrite:
            raise FlowDefinitionError(
                f"add_parameter: {self._cls.__name__} has an attribute '{name}' already; "
                f"pass overwrite=True to replace it."
            )
        setattr(self._cls, name, value)
        value.__set_name__(self._cls, name)

    def remove_parameter(self, name: str) -> bool:
        """Remove the parameter attribute `name`; False if there is none."""
        if isinstance(self._cls.__dict__.get(name), Parameter):
            delattr(self._cls, name)
            return True
        return False


def _factory(deco_type: Any) -> Any:
    if isinstance(deco_type, str):
        module = _BUILTIN.get(deco_type)
        path, attr = (module, deco_type) if module else deco_type.rpartition(".")[::2]
        try:
            found = getattr(importlib.import_module(path), attr) if path else None
        except (ImportError, AttributeError, ValueError):
            found = None
        if found is None:
            raise FlowDefinitionError(
                f"add_decorator: no decorator '{deco_type}'; use one of "
                f"{', '.join(sorted(_BUILTIN))} or 'module.name' of a user-defined one."
            )
        return found
    if callable(deco_type):
        return deco_type
    raise FlowDefinitionError(f"add_decorator: {deco_type!r} is not a decorator.")
