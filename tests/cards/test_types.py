"""Card specs are checked where they are declared; rendering a card never raises."""

from __future__ import annotations

import pytest

from flowscope.cards.component import MetaflowCardComponent
from flowscope.cards.markdown import Markdown
from flowscope.cards.summary import TaskSummary
from flowscope.cards.types import CardSpec, render_card
from flowscope.errors import CardError

from .html_check import assert_inert, parse

SUMMARY = TaskSummary("F", "F/1/start/2")


class Boom(MetaflowCardComponent):
    def render(self) -> str:
        raise RuntimeError("component broke")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "defualt"}, "did you mean 'default'"),
        ({"type": "html"}, "use one of default, blank"),
        ({"id": "has space"}, "letters, digits or underscores"),
        ({"id": ""}, "card id"),
        ({"options": ["x"]}, "options must be a dict"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
    ],
)
def test_bad_specs_are_one_line_card_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(CardError, match=message) as caught:
        CardSpec(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


def test_the_default_card_has_the_summary_and_the_components() -> None:
    rendered = render_card(CardSpec(id="main"), [Markdown("# mine")], SUMMARY)
    parsed = assert_inert(rendered.html, styles=1)
    assert rendered.ok and rendered.type == "default" and rendered.id == "main"
    assert (
        parsed.find("h1") and "mine" in parsed.joined_text and "F/1/start/2" in parsed.joined_text
    )
    assert parsed.find("html")[0].attrs["data-card-type"] == "default"


def test_the_blank_card_has_only_the_components_and_an_optional_title() -> None:
    rendered = render_card(CardSpec(type="blank", options={"title": "<Report>"}), [Markdown("x")])
    parsed = assert_inert(rendered.html, styles=1)
    assert "<Report>" in parsed.joined_text and "F/1/start/2" not in parsed.joined_text
    assert not parse(render_card(CardSpec(type="blank")).html).find("header")


def test_a_failing_component_is_an_error_box_in_an_otherwise_good_card() -> None:
    rendered = render_card(CardSpec(type="blank"), [Markdown("before"), Boom(), Markdown("after")])
    parsed = assert_inert(rendered.html, styles=1)
    assert not rendered.ok and rendered.problems[0].startswith("Boom could not be rendered")
    for shown in ("before", "component broke", "after"):
        assert shown in parsed.joined_text


def test_a_card_that_cannot_render_at_all_becomes_an_error_card() -> None:
    rendered = render_card(CardSpec(), [Markdown("x")], summary=None)
    parsed = assert_inert(rendered.html, styles=1)
    assert parsed.find("html")[0].attrs["data-card-type"] == "error"
    assert rendered.type == "default"  # still found as the card that was asked for
    assert "the default card needs the task's summary" in rendered.problems[-1]
    assert "Card error" in parsed.joined_text


def test_a_bad_refresh_interval_also_gives_an_error_card_not_an_exception() -> None:
    rendered = render_card(CardSpec(type="blank"), [], refresh_seconds=-5)
    assert not rendered.ok and "refresh_seconds" in rendered.problems[-1]


def test_refresh_seconds_reaches_the_document() -> None:
    html = render_card(CardSpec(type="blank"), [], refresh_seconds=1.5).html
    assert any(e.attrs.get("http-equiv") == "refresh" for e in parse(html).find("meta"))


def test_a_card_over_the_size_limit_becomes_an_error_card_saying_so() -> None:
    rendered = render_card(CardSpec(type="blank"), [Markdown("x" * 5_000)], max_chars=4_000)
    assert not rendered.ok and "over the limit of 4,000" in rendered.problems[-1]
    assert len(rendered.html) < 20_000
    assert "x" * 5_000 not in rendered.html
