"""Authoring flows: FlowSpec, @step, parameters, step decorators, the graph and its check.

Pure: nothing here does I/O except reading the flow's source (and IncludeFile's file).
"""

from flowscope.flow.contract import ArtifactSource, ForeachFrame, Transition, foreach_items
from flowscope.flow.current import current
from flowscope.flow.decorators import StepDecorator, catch, parallel, retry, step, timeout
from flowscope.flow.graph import FlowGraph, StepNode
from flowscope.flow.inputs import Inputs
from flowscope.flow.lint import check
from flowscope.flow.parameters import IncludeFile, JSONType, Parameter
from flowscope.flow.render import format_graph, graph_to_dict
from flowscope.flow.spec import FlowSpec

__all__ = [
    "ArtifactSource",
    "FlowGraph",
    "FlowSpec",
    "ForeachFrame",
    "IncludeFile",
    "Inputs",
    "JSONType",
    "Parameter",
    "StepDecorator",
    "StepNode",
    "Transition",
    "catch",
    "check",
    "current",
    "foreach_items",
    "format_graph",
    "graph_to_dict",
    "parallel",
    "retry",
    "step",
    "timeout",
]
