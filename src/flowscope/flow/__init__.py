"""Authoring flows: FlowSpec, @step, parameters, step decorators, the graph and its check.

Pure: nothing here does I/O except reading the flow's source (and IncludeFile's file).
Names are loaded on first use (`_EXPORTS`), so a flow file pays only for what it uses.
"""

import importlib
import sys
import types
import typing

# (modules only at the top: the package's namespace holds its public names and nothing else)
# each public name -> the module that defines it, imported on first use: a flow file loads
# FlowSpec and @step, not every decorator, the config machinery and the graph's lint
_EXPORTS: dict[str, str] = {
    "ArtifactSource": "flowscope.flow.contract",
    "card": "flowscope.flow.card",
    "catch": "flowscope.flow.decorators",
    "check": "flowscope.flow.lint",
    "Config": "flowscope.flow.config",
    "config_expr": "flowscope.flow.deferred",
    "ConfigValue": "flowscope.flow.config",
    "current": "flowscope.flow.current",
    "environment": "flowscope.flow.environment",
    "FlowGraph": "flowscope.flow.graph",
    "FlowMutator": "flowscope.flow.mutators",
    "FlowSpec": "flowscope.flow.spec",
    "foreach_items": "flowscope.flow.contract",
    "ForeachFrame": "flowscope.flow.contract",
    "format_graph": "flowscope.flow.render",
    "graph_to_dict": "flowscope.flow.render",
    "IncludeFile": "flowscope.flow.parameters",
    "Inputs": "flowscope.flow.inputs",
    "JSONType": "flowscope.flow.parameters",
    "MutableFlow": "flowscope.flow.mutators",
    "MutableStep": "flowscope.flow.mutators",
    "parallel": "flowscope.flow.decorators",
    "Parameter": "flowscope.flow.parameters",
    "ParameterContext": "flowscope.flow.config",
    "project": "flowscope.flow.project",
    "Resources": "flowscope.flow.resources",
    "resources": "flowscope.flow.resources",
    "retry": "flowscope.flow.decorators",
    "secrets": "flowscope.flow.secrets",
    "SecretsSource": "flowscope.flow.secrets",
    "step": "flowscope.flow.decorators",
    "step_resources": "flowscope.flow.resources",
    "StepDecorator": "flowscope.flow.decorators",
    "StepMutator": "flowscope.flow.mutators",
    "StepNode": "flowscope.flow.graph",
    "timeout": "flowscope.flow.decorators",
    "Transition": "flowscope.flow.contract",
    "user_step_decorator": "flowscope.flow.user_decorators",
}

__all__ = [
    "ArtifactSource",
    "Config",
    "ConfigValue",
    "FlowGraph",
    "FlowMutator",
    "FlowSpec",
    "ForeachFrame",
    "IncludeFile",
    "Inputs",
    "JSONType",
    "MutableFlow",
    "MutableStep",
    "Parameter",
    "ParameterContext",
    "Resources",
    "SecretsSource",
    "StepDecorator",
    "StepMutator",
    "StepNode",
    "Transition",
    "card",
    "catch",
    "check",
    "config_expr",
    "current",
    "environment",
    "foreach_items",
    "format_graph",
    "graph_to_dict",
    "parallel",
    "project",
    "resources",
    "retry",
    "secrets",
    "step",
    "step_resources",
    "timeout",
    "user_step_decorator",
]


def __getattr__(name: str) -> typing.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'flowscope.flow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


class _Package(types.ModuleType):
    """Six names are also their module's name (`card`, `current`, `environment`, `project`,
    `resources`, `secrets`): when such a submodule loads, the import system sets it as this
    package's attribute; keep the public object there instead, as an eager import would."""

    def __setattr__(self, name: str, value: typing.Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if typing.TYPE_CHECKING:  # pragma: no cover
    from flowscope.flow.card import card as card
    from flowscope.flow.config import (
        Config as Config,
        ConfigValue as ConfigValue,
        ParameterContext as ParameterContext,
    )
    from flowscope.flow.contract import (
        ArtifactSource as ArtifactSource,
        ForeachFrame as ForeachFrame,
        Transition as Transition,
        foreach_items as foreach_items,
    )
    from flowscope.flow.current import current as current
    from flowscope.flow.decorators import (
        StepDecorator as StepDecorator,
        catch as catch,
        parallel as parallel,
        retry as retry,
        step as step,
        timeout as timeout,
    )
    from flowscope.flow.deferred import config_expr as config_expr
    from flowscope.flow.environment import environment as environment
    from flowscope.flow.graph import FlowGraph as FlowGraph, StepNode as StepNode
    from flowscope.flow.inputs import Inputs as Inputs
    from flowscope.flow.lint import check as check
    from flowscope.flow.mutators import (
        FlowMutator as FlowMutator,
        MutableFlow as MutableFlow,
        MutableStep as MutableStep,
        StepMutator as StepMutator,
    )
    from flowscope.flow.parameters import (
        IncludeFile as IncludeFile,
        JSONType as JSONType,
        Parameter as Parameter,
    )
    from flowscope.flow.project import project as project
    from flowscope.flow.render import format_graph as format_graph, graph_to_dict as graph_to_dict
    from flowscope.flow.resources import (
        Resources as Resources,
        resources as resources,
        step_resources as step_resources,
    )
    from flowscope.flow.secrets import SecretsSource as SecretsSource, secrets as secrets
    from flowscope.flow.spec import FlowSpec as FlowSpec
    from flowscope.flow.user_decorators import user_step_decorator as user_step_decorator
