"""JSONViewer and YAMLViewer: formatting, JSON strings, fallbacks, collapsing, max_height."""

from __future__ import annotations

import datetime

import pytest

from flowscope.cards.viewers import JSONViewer, YAMLViewer, to_json_text, to_yaml_text
from flowscope.errors import CardError

from .html_check import assert_inert, parse


def test_json_is_indented_and_json_strings_are_reformatted() -> None:
    assert to_json_text({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
    assert to_json_text('{"b":2}') == '{\n  "b": 2\n}'
    assert to_json_text("plain") == '"plain"'
    assert '"2024-01-02"' in to_json_text({"d": datetime.date(2024, 1, 2)})


def test_circular_data_is_described_not_raised() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert "could not be shown as JSON" in to_json_text(loop)


def test_yaml_keeps_key_order_and_falls_back_to_json() -> None:
    assert to_yaml_text({"z": 1, "a": [2]}) == "z: 1\na:\n- 2\n"
    assert to_yaml_text('{"k": "v"}') == "k: v\n"
    assert to_yaml_text("not json: [") == "not json: ["
    assert to_yaml_text({"o": object()}).startswith("# shown as JSON")


def test_collapsible_viewers_are_details_with_the_title_as_summary() -> None:
    parsed = assert_inert(JSONViewer({"a": 1}, title="config").render())
    (summary_tag,) = parsed.find("summary")
    assert parsed.find("details") and "config" in parsed.joined_text
    flat = parse(YAMLViewer({"a": 1}, collapsible=False).render())
    assert not flat.find("details") and "YAML" in flat.joined_text


def test_max_height_is_a_checked_css_length() -> None:
    (pre,) = parse(JSONViewer([1], max_height="300px").render()).find("pre")
    assert pre.attrs["style"] == "max-height: 300px"
    with pytest.raises(CardError, match="CSS length"):
        JSONViewer([1], max_height="1px; background: red").render()


def test_update_shows_new_data() -> None:
    viewer = YAMLViewer({"v": 1})
    viewer.update({"v": 2})
    assert "v: 2" in parse(viewer.render()).joined_text
