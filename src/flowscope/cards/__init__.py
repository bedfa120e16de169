"""Cards: self-contained HTML reports of a task, built from components in the step.

    from flowscope.cards import Markdown, Table, Image, VegaChart, ProgressBar

Components render to escaped HTML fragments (component.py and one module per family of
components); `render_card` (types.py) puts them in one offline document (document.py) and
never raises; `CardBuilder` (builder.py) is what `current.card` is inside a step; the default
card (default_card.py) is a pure function of a `TaskSummary` (summary.py) and draws the flow
with graph_svg.py. Third-party libraries (markdown-it-py, nh3, vl-convert-python, PyYAML, from
the `flowscope[cards]` extra) are imported only when a component that needs them renders.

Reading cards back (`get_cards`, `Card`, `CardContainer`) is the client's job
(flowscope.client.cards); those names are loaded from there on first use, so that the layers
below the client (flow/ for @card, runtime/) can import this package.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from flowscope.cards.artifact import Artifact
from flowscope.cards.builder import CardBuilder, CardComponents
from flowscope.cards.component import MetaflowCardComponent
from flowscope.cards.graph_svg import GraphStep, GraphView, render_graph_svg
from flowscope.cards.image import Image
from flowscope.cards.markdown import Markdown
from flowscope.cards.summary import ArtifactSummary, TaskSummary
from flowscope.cards.table import Table
from flowscope.cards.types import CardSpec, RenderedCard, render_card
from flowscope.cards.vega import VegaChart
from flowscope.cards.viewers import JSONViewer, YAMLViewer
from flowscope.cards.widgets import Error, ProgressBar, ValueBox

__all__ = [
    "Artifact",
    "ArtifactSummary",
    "Card",
    "CardBuilder",
    "CardComponents",
    "CardContainer",
    "CardSpec",
    "Error",
    "GraphStep",
    "GraphView",
    "Image",
    "JSONViewer",
    "Markdown",
    "MetaflowCardComponent",
    "ProgressBar",
    "RenderedCard",
    "Table",
    "TaskSummary",
    "ValueBox",
    "VegaChart",
    "YAMLViewer",
    "get_cards",
    "render_card",
    "render_graph_svg",
]

_FROM_CLIENT = ("Card", "CardContainer", "get_cards")


def __getattr__(name: str) -> Any:
    if name not in _FROM_CLIENT:
        raise AttributeError(f"module 'flowscope.cards' has no attribute {name!r}")
    value = getattr(import_module("flowscope.client.cards"), name)
    globals()[name] = value
    return value
