"""Make a flow class ready for one run once its configs are known.

`prepare(flow_cls, configs)` replaces every config value written in the class (decorator
arguments, parameter defaults, mutator arguments, @project) by its value, checks those
decorators, and applies the mutators. It changes the class, as decorators do, and runs once
per class: the command line calls it before it builds the graph. Pure apart from that.
flow/mutators.py is loaded only for a flow that has mutators (or flow decorators) and for
`--with`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow.config import flow_configs
from flowscope.flow.decorators import (
    flow_decorators,
    is_step,
    resolve_attributes,
    step_decorators,
    step_mutators,
)
from flowscope.flow.deferred import is_deferred, resolve
from flowscope.flow.parameters import flow_parameters

_PREPARED: Final = "_fs_prepared_with"


def prepare(flow_cls: type[Any], configs: Mapping[str, Any]) -> None:
    """Resolve the config values written in `flow_cls` and apply its mutators (see above)."""
    done = flow_cls.__dict__.get(_PREPARED)
    if done is not None:
        if done != dict(configs):
            raise FlowDefinitionError(
                f"{flow_cls.__name__} was prepared for a run with other configs already; run "
                f"each flow in its own process (python flow.py run)."
            )
        return
    setattr(flow_cls, _PREPARED, dict(configs))
    values = _by_attribute(flow_cls, configs)
    steps = _steps(flow_cls)
    for func in steps.values():
        for deco in step_decorators(func):
            deco.resolve_configs(values)
        for each in step_mutators(func):
            resolve_attributes(each, values)
    for param in flow_parameters(flow_cls).values():
        if is_deferred(param.deferred_default):
            param.bind_default(resolve(param.deferred_default, values))
    decorators = flow_decorators(flow_cls)
    for deco in decorators:
        if hasattr(deco, "resolve_configs"):
            deco.resolve_configs(values)
        else:
            resolve_attributes(deco, values)
    if not decorators and not any(step_mutators(func) for func in steps.values()):
        return  # no mutator to apply (a flow mutator is a flow decorator): none loaded
    from flowscope.flow.mutators import FlowMutator, MutableFlow, MutableStep

    mutable = MutableFlow(flow_cls, configs)
    flow_mutators = [d for d in decorators if isinstance(d, FlowMutator)]
    for flow_mutator in flow_mutators:
        flow_mutator.pre_mutate(mutable)
    for name, func in _steps(flow_cls).items():
        for step_mutator in list(step_mutators(func)):
            step_mutator.mutate(MutableStep(name, func))
    for flow_mutator in flow_mutators:
        flow_mutator.mutate(mutable)


def attach_everywhere(flow_cls: type[Any], specs: list[str]) -> None:
    """Add a decorator to every step, as `run --with NAME[:key=value,...]` asks: NAME is a
    built-in ("retry") or "module.name" of a user-defined one; each value is read as JSON
    when it parses as JSON, else kept as text. A step that has the decorator keeps its own."""
    for spec in specs:
        from flowscope.flow.mutators import MutableStep  # for --with only

        name, _, text = spec.partition(":")
        kwargs: dict[str, Any] = {}
        for item in filter(None, text.split(",")):
            key, sep, raw = item.partition("=")
            if not sep or not key.strip():
                raise ParameterError(
                    f"--with {spec}: '{item}' is not key=value; write --with "
                    f"{name}:key=value,other=value."
                )
            kwargs[key.strip()] = _value(raw.strip())
        for step_name, func in _steps(flow_cls).items():
            try:
                MutableStep(step_name, func).add_decorator(
                    name.strip(), deco_kwargs=kwargs, duplicates=MutableStep.IGNORE
                )
            except TypeError as exc:
                raise ParameterError(f"--with {spec}: {exc}.") from None


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _steps(flow_cls: type[Any]) -> dict[str, Any]:
    return {name: func for name in dir(flow_cls) if is_step(func := getattr(flow_cls, name, None))}


def _by_attribute(flow_cls: type[Any], configs: Mapping[str, Any]) -> dict[str, Any]:
    """Config values by config name, and by the attribute that holds the config."""
    values = dict(configs)
    by_name = flow_configs(flow_cls)
    for attr, param in flow_parameters(flow_cls).items():
        if param.name in by_name and attr not in values:
            values[attr] = configs.get(param.name)
    return values
