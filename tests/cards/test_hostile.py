"""Hostile strings in every component and every text slot: escaped, shown as text, inert."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flowscope.cards import (
    Artifact,
    Error,
    Image,
    JSONViewer,
    Markdown,
    MetaflowCardComponent,
    ProgressBar,
    Table,
    ValueBox,
    VegaChart,
    YAMLViewer,
)

from .html_check import HOSTILE, assert_inert

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

BUILDERS: dict[str, Callable[[str], MetaflowCardComponent]] = {
    "Artifact": lambda h: Artifact({h: [h]}, name=h),
    "Artifact-full": lambda h: Artifact(h, name=h, compressed=False),
    "Table": lambda h: Table([[h, 1], [h, None]], headers=[h, h]),
    "Table-nested": lambda h: Table([[Artifact(h, name=h), ValueBox(title="t", value=h[:90])]]),
    "Image": lambda h: Image(PNG, label=h),
    "ProgressBar": lambda h: ProgressBar(max=3, label=h, value=1, unit=h, metadata=h),
    "ValueBox": lambda h: ValueBox(title=h, value=h[:90], subtitle=h, change_indicator=h),
    "JSONViewer": lambda h: JSONViewer({h: h}, title=h),
    "JSONViewer-flat": lambda h: JSONViewer([h], title=h, collapsible=False),
    "YAMLViewer": lambda h: YAMLViewer({h: [h]}, title=h),
    "Error": lambda h: Error(ValueError(h), title=h),
}


def _visible(text: str) -> str:
    return text.replace("\ud800", "\ufffd")


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_text_slot_is_escaped_and_shown(name: str, hostile: str) -> None:
    html = BUILDERS[name](hostile).render()
    parsed = assert_inert(html)
    # the hostile string reaches the reader as text (the surrogate as U+FFFD)
    assert _visible(hostile) in parsed.joined_text or _visible(hostile) in html.replace(
        "&#x27;", "'"
    ).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markdown_keeps_words_and_drops_active_html(hostile: str) -> None:
    parsed = assert_inert(Markdown(f"# Title\n\n{hostile}\n\nafter *it*").render())
    assert "Title" in parsed.joined_text and "after" in parsed.joined_text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_chart_labels_are_drawn_as_text_in_an_inert_image(hostile: str) -> None:
    spec = {
        "title": hostile,
        "data": {"values": [{"a": hostile, "b": 1}]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "a", "type": "nominal"},
            "y": {"field": "b", "type": "quantitative"},
        },
    }
    parsed = assert_inert(VegaChart(spec).render())
    (img,) = parsed.find("img")
    assert img.attrs["src"].startswith("data:image/svg+xml;base64,")
    assert img.attrs["alt"] == _visible(hostile)


def test_a_hostile_value_box_theme_is_refused_not_rendered() -> None:
    with pytest.raises(Exception, match="CSS class name"):
        ValueBox(value=1, theme=HOSTILE[4]).render()
