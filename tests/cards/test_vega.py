"""VegaChart: a Vega-Lite spec drawn to SVG in Python, embedded inert, nothing fetched."""

from __future__ import annotations

import base64

import pytest

from flowscope.cards.vega import VegaChart, vegalite_to_svg
from flowscope.errors import CardError

from .html_check import assert_inert

SPEC = {
    "title": "scores",
    "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 5}]},
    "mark": "line",
    "encoding": {
        "x": {"field": "x", "type": "quantitative"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


def _svg(chart: VegaChart) -> str:
    (img,) = assert_inert(chart.render()).find("img")
    prefix = "data:image/svg+xml;base64,"
    assert img.attrs["src"].startswith(prefix)
    return base64.b64decode(img.attrs["src"][len(prefix) :]).decode()


def test_a_spec_becomes_an_svg_image_with_its_title_as_alt_text() -> None:
    chart = VegaChart(SPEC)
    svg = _svg(chart)
    assert svg.startswith("<svg") and "scores" in svg
    (img,) = assert_inert(chart.render()).find("img")
    assert img.attrs["alt"] == "scores"


def test_update_replaces_the_spec_and_none_keeps_it() -> None:
    chart = VegaChart(SPEC)
    chart.update(None)
    assert "scores" in _svg(chart)
    chart.update({**SPEC, "title": "renamed"})
    assert "renamed" in _svg(chart)


def test_external_data_is_refused_so_nothing_is_fetched() -> None:
    with pytest.raises(CardError, match="not allowed"):
        vegalite_to_svg({"data": {"url": "https://example.invalid/d.csv"}, "mark": "bar"})


def test_a_spec_that_is_no_dict_is_an_error_at_render() -> None:
    with pytest.raises(CardError, match="must be a dict"):
        VegaChart(["no"]).render()  # type: ignore[arg-type]


def test_from_altair_chart_needs_an_altair_chart() -> None:
    with pytest.raises(CardError, match="needs an Altair chart"):
        VegaChart.from_altair_chart(SPEC)


def test_the_spec_given_is_not_modified() -> None:
    spec = {**SPEC, "encoding": dict(SPEC["encoding"])}  # type: ignore[arg-type]
    VegaChart(spec).render()
    assert spec == {**SPEC, "encoding": SPEC["encoding"]}
