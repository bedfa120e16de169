"""The component base: render_fragment turns a failure into an error box, never an exception."""

from __future__ import annotations

import warnings

import pytest

from flowscope.cards.component import (
    MetaflowCardComponent,
    error_fragment,
    id_attribute,
    render_fragment,
)

from .html_check import assert_inert


class Boom(MetaflowCardComponent):
    def render(self) -> str:
        raise RuntimeError("<b>kaput</b>")


class Fine(MetaflowCardComponent):
    def render(self) -> str:
        return "<p>fine</p>"


class NotText(MetaflowCardComponent):
    def render(self) -> str:
        return {"type": "dict"}  # type: ignore[return-value]


def test_a_component_that_raises_becomes_an_error_box_and_a_problem() -> None:
    problems: list[str] = []
    html = render_fragment(Boom(), problems)
    parsed = assert_inert(html)
    assert parsed.find("div", "fs-error")
    assert "Boom could not be rendered" in parsed.joined_text
    assert "<b>kaput</b>" in parsed.joined_text  # the message, escaped, with its traceback
    assert "Traceback" in parsed.joined_text
    assert problems == ["Boom could not be rendered: RuntimeError: <b>kaput</b>"]


def test_a_render_that_returns_no_string_is_a_problem_too() -> None:
    problems: list[str] = []
    assert "fs-error" in render_fragment(NotText(), problems)
    assert "returned dict" in problems[0]


def test_something_that_is_no_component_is_shown_as_such() -> None:
    problems: list[str] = []
    html = render_fragment("just a string", problems)
    assert "not a card component: str" in html
    assert problems


def test_a_good_component_renders_as_itself() -> None:
    problems: list[str] = []
    assert render_fragment(Fine(), problems) == "<p>fine</p>"
    assert problems == []


def test_the_base_render_is_abstract_and_update_warns() -> None:
    with pytest.raises(NotImplementedError):
        MetaflowCardComponent().render()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Fine().update(1)
    assert "cannot be updated" in str(caught[0].message)


def test_component_ids_are_escaped_into_a_data_attribute() -> None:
    c = Fine()
    assert id_attribute(c) == ""
    c.component_id = 'a"b'
    assert id_attribute(c) == ' data-component-id="a&quot;b"'


def test_error_fragment_without_detail_has_no_pre() -> None:
    parsed = assert_inert(error_fragment("<oops>"))
    assert not parsed.find("pre") and "<oops>" in parsed.joined_text
