"""Authoring flows: FlowSpec, @step, parameters, step decorators, the graph and its check.

Pure: nothing here does I/O except reading the flow's source (and IncludeFile's file).
"""

from flowscope.flow.card import card
from flowscope.flow.config import Config, ConfigValue, ParameterContext
from flowscope.flow.contract import ArtifactSource, ForeachFrame, Transition, foreach_items
from flowscope.flow.current import current
from flowscope.flow.decorators import StepDecorator, catch, parallel, retry, step, timeout
from flowscope.flow.deferred import config_expr
from flowscope.flow.environment import environment
from flowscope.flow.graph import FlowGraph, StepNode
from flowscope.flow.inputs import Inputs
from flowscope.flow.lint import check
from flowscope.flow.mutators import FlowMutator, MutableFlow, MutableStep, StepMutator
from flowscope.flow.parameters import IncludeFile, JSONType, Parameter
from flowscope.flow.project import project
from flowscope.flow.render import format_graph, graph_to_dict
from flowscope.flow.resources import Resources, resources, step_resources
from flowscope.flow.secrets import SecretsSource, secrets
from flowscope.flow.spec import FlowSpec
from flowscope.flow.user_decorators import user_step_decorator

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
