"""Cards: self-contained HTML reports of a task, built from components in the step.

    from flowscope.cards import Markdown, Table, Image, VegaChart, ProgressBar

Components render to escaped HTML fragments (component.py and one module per family of
components); `render_card` (types.py) puts them in one offline document (document.py) and
never raises; `CardBuilder` (builder.py) is what `current.card` is inside a step; the default
card (default_card.py) is a pure function of a `TaskSummary` (summary.py) and draws the flow
with graph_svg.py. Third-party libraries (markdown-it-py, nh3, vl-convert-python, PyYAML, from
the `flowscope[cards]` extra) are imported only when a component that needs them renders.

Every public name is loaded on first use: a run imports `cards.records` (where a task's
cards are recorded) on every run, and the components only for a step with @card. Reading
cards back (`get_cards`, `Card`, `CardContainer`) is the client's job (flowscope.client.cards),
loaded from there, so that the layers below the client (flow/ for @card, runtime/) can
import this package.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# each public name -> the module that defines it, imported on first use: the runtime and
# flow/ import this package's small modules (records, types) without loading every component
_EXPORTS: dict[str, str] = {
    "Artifact": "flowscope.cards.artifact",
    "ArtifactSummary": "flowscope.cards.summary",
    "CardBuilder": "flowscope.cards.builder",
    "CardComponents": "flowscope.cards.builder",
    "CardSpec": "flowscope.cards.types",
    "Error": "flowscope.cards.widgets",
    "GraphStep": "flowscope.cards.graph_svg",
    "GraphView": "flowscope.cards.graph_svg",
    "Image": "flowscope.cards.image",
    "JSONViewer": "flowscope.cards.viewers",
    "Markdown": "flowscope.cards.markdown",
    "MetaflowCardComponent": "flowscope.cards.component",
    "ProgressBar": "flowscope.cards.widgets",
    "render_card": "flowscope.cards.types",
    "render_graph_svg": "flowscope.cards.graph_svg",
    "RenderedCard": "flowscope.cards.types",
    "Table": "flowscope.cards.table",
    "TaskSummary": "flowscope.cards.summary",
    "ValueBox": "flowscope.cards.widgets",
    "VegaChart": "flowscope.cards.vega",
    "YAMLViewer": "flowscope.cards.viewers",
}

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
    if name in _FROM_CLIENT:
        module = "flowscope.client.cards"
    elif name in _EXPORTS:
        module = _EXPORTS[name]
    else:
        raise AttributeError(f"module 'flowscope.cards' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from flowscope.cards.artifact import Artifact as Artifact
    from flowscope.cards.builder import CardBuilder as CardBuilder, CardComponents as CardComponents
    from flowscope.cards.component import MetaflowCardComponent as MetaflowCardComponent
    from flowscope.cards.graph_svg import (
        GraphStep as GraphStep,
        GraphView as GraphView,
        render_graph_svg as render_graph_svg,
    )
    from flowscope.cards.image import Image as Image
    from flowscope.cards.markdown import Markdown as Markdown
    from flowscope.cards.summary import (
        ArtifactSummary as ArtifactSummary,
        TaskSummary as TaskSummary,
    )
    from flowscope.cards.table import Table as Table
    from flowscope.cards.types import (
        CardSpec as CardSpec,
        RenderedCard as RenderedCard,
        render_card as render_card,
    )
    from flowscope.cards.vega import VegaChart as VegaChart
    from flowscope.cards.viewers import JSONViewer as JSONViewer, YAMLViewer as YAMLViewer
    from flowscope.cards.widgets import (
        Error as Error,
        ProgressBar as ProgressBar,
        ValueBox as ValueBox,
    )
