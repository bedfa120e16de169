"""Cards: self-contained HTML reports of a task, built from components in the step.

    from flowscope.cards import Markdown, Table, Image, VegaChart, ProgressBar

Components render to escaped HTML fragments (component.py and one module per family of
components); `render_card` (types.py) puts them in one offline document (document.py) and
never raises; `CardBuilder` (builder.py) is what `current.card` is inside a step; the default
card (default_card.py) is a pure function of a `TaskSummary` (summary.py) and draws the flow
with graph_svg.py. Third-party libraries (markdown-it-py, nh3, vl-convert-python, PyYAML, from
the `flowscope[cards]` extra) are imported only when a component that needs them renders.
"""

from __future__ import annotations

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
    "CardBuilder",
    "CardComponents",
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
    "render_card",
    "render_graph_svg",
]
