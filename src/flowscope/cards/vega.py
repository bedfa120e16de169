"""`VegaChart`: a Vega-Lite chart, drawn to SVG in Python when the card renders.

    current.card.append(VegaChart({"mark": "line", "data": {"values": rows},
                                   "encoding": {...}}))
    current.card.append(VegaChart.from_altair_chart(chart))

The spec is rendered by vl-convert-python (Vega-Lite and Vega compiled into a native
library: no browser, no Node, no network), with every external data URL refused, so a card
never fetches anything, now or when viewed. The SVG is embedded as an `<img>` with a data
URI: a browser draws an SVG image without running its scripts, following its links or loading
its references, so even a hostile spec cannot act in the card. `show_controls` is accepted
for compatibility; a static card has no chart controls. The first chart of a process costs
about a second (the converter's engine starts); later ones take tens of milliseconds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from flowscope.cards.component import MetaflowCardComponent, id_attribute
from flowscope.cards.escape import image_data_uri, scrub, text
from flowscope.cards.markdown import INSTALL_HINT
from flowscope.errors import CardError

MAX_SPEC_BYTES = 16 * 1024 * 1024  # a spec (with its inline data) bigger than this is refused


def _is_altair_chart(obj: Any) -> bool:
    return type(obj).__module__.startswith("altair") and callable(getattr(obj, "to_dict", None))


def vegalite_to_svg(spec: Mapping[str, Any]) -> str:
    """The SVG text of a Vega-Lite `spec`, with external data refused."""
    try:
        import vl_convert
    except ImportError as exc:
        raise CardError(f"VegaChart needs vl-convert-python ({INSTALL_HINT})") from exc
    source = scrub(json.dumps(spec, ensure_ascii=False, default=str))
    if len(source) > MAX_SPEC_BYTES:
        raise CardError(
            f"the chart spec is {len(source):,} characters; at most {MAX_SPEC_BYTES:,} fit"
        )
    try:
        return str(vl_convert.vegalite_to_svg(source, allowed_base_urls=[]))
    except ValueError as exc:  # vl-convert reports a bad spec as ValueError
        raise CardError(f"the Vega-Lite spec could not be drawn: {exc}") from exc


class VegaChart(MetaflowCardComponent):
    """A chart from a Vega-Lite spec (a dict), or from an Altair chart."""

    REALTIME_UPDATABLE = True

    def __init__(self, spec: Mapping[str, Any], show_controls: bool = False) -> None:
        self._spec = spec
        self._show_controls = show_controls

    @classmethod
    def from_altair_chart(cls, altair_chart: Any) -> VegaChart:
        """A VegaChart of an Altair chart's spec."""
        if not _is_altair_chart(altair_chart):
            raise CardError(
                f"from_altair_chart needs an Altair chart, not {type(altair_chart).__name__}"
            )
        return cls(altair_chart.to_dict())

    def update(self, spec: Any = None) -> None:
        """Show another spec (a dict or an Altair chart); None keeps the current one."""
        if spec is None:
            return
        self._spec = spec.to_dict() if _is_altair_chart(spec) else spec

    def render(self) -> str:
        if not isinstance(self._spec, Mapping):
            raise CardError(f"a VegaChart spec must be a dict, not {type(self._spec).__name__}")
        spec = copy.deepcopy(dict(self._spec))
        svg = vegalite_to_svg(spec)
        title = spec.get("title")
        label = title if isinstance(title, str) else spec.get("description", "chart")
        uri = image_data_uri(svg.encode("utf-8"), "svg+xml")
        return (
            f'<figure class="fs-component fs-chart"{id_attribute(self)}>'
            f'<img src="{uri}" alt="{text(label)}"></figure>'
        )
