"""ProgressBar, ValueBox and Error: rendering, updates and the family's value limits."""

from __future__ import annotations

import math

import pytest

from flowscope.cards.widgets import Error, ProgressBar, ValueBox
from flowscope.errors import CardError

from .html_check import assert_inert, parse


def test_progress_bar_shows_value_of_max_with_label_unit_and_detail() -> None:
    bar = ProgressBar(max=30, label="seconds", value=3, unit="s", metadata="1/s")
    parsed = assert_inert(bar.render())
    (progress,) = parsed.find("progress")
    assert progress.attrs == {"max": "30", "value": "3"}
    assert "3 s / 30 s" in parsed.joined_text and "seconds" in parsed.joined_text
    bar.update(12, metadata="2/s")
    parsed = parse(bar.render())
    assert parsed.find("progress")[0].attrs["value"] == "12" and "2/s" in parsed.joined_text
    bar.update(13)
    assert "2/s" in parse(bar.render()).joined_text  # the detail stays


def test_progress_beyond_the_ends_is_drawn_clamped_but_told_as_given() -> None:
    parsed = parse(ProgressBar(max=10, value=15).render())
    assert parsed.find("progress")[0].attrs["value"] == "10" and "15 / 10" in parsed.joined_text
    assert parse(ProgressBar(max=2.5, value=-1).render()).find("progress")[0].attrs["value"] == "0"


@pytest.mark.parametrize(
    ("max_", "value"), [(0, 1), (10, math.nan), (math.inf, 1), ("10", 1), (10, True)]
)
def test_unusable_progress_numbers_are_card_errors(max_: object, value: object) -> None:
    with pytest.raises(CardError):
        ProgressBar(max=max_, value=value).render()  # type: ignore[arg-type]


def test_value_box_fields_theme_and_number_formatting() -> None:
    box = ValueBox(title="Revenue", value=1234567, subtitle="monthly", theme="success",
                   change_indicator="up 15%")  # fmt: skip
    parsed = assert_inert(box.render())
    (div,) = parsed.find("div", "fs-valuebox")
    assert "fs-theme-success" in div.attrs["class"]
    for shown in ("Revenue", "1,234,567", "monthly", "up 15%"):
        assert shown in parsed.joined_text
    box.update(value=0.123456789, theme="danger")
    parsed = parse(box.render())
    assert "0.123457" in parsed.joined_text and "Revenue" in parsed.joined_text
    assert "fs-theme-danger" in parsed.find("div", "fs-valuebox")[0].attrs["class"]
    assert "fs-theme-default" in parse(ValueBox(value="x").render()).elements[0].attrs["class"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"title": "t" * 201},
        {"title": "   "},
        {"subtitle": "s" * 301},
        {"change_indicator": 5},
        {"value": "v" * 101},
        {"value": 2e15},
        {"value": [1]},
        {"theme": "not a class"},
    ],
)
def test_value_box_limits_are_card_errors_at_render(kwargs: dict[str, object]) -> None:
    box = ValueBox(**{"value": 1, **kwargs})  # type: ignore[arg-type]
    with pytest.raises(CardError, match="ValueBox"):
        box.render()


def test_error_shows_title_and_traceback_or_repr() -> None:
    try:
        raise KeyError("missing <key>")
    except KeyError as exc:
        raised = exc
    parsed = assert_inert(Error(raised, "lookup failed").render())
    assert "lookup failed" in parsed.joined_text and "Traceback" in parsed.joined_text
    assert "missing <key>" in parsed.joined_text
    plain = parse(Error(ValueError("v")).render())
    assert "ValueError('v')" in plain.joined_text and "Traceback" not in plain.joined_text
    assert "'not an exception'" in parse(Error("not an exception").render()).joined_text
