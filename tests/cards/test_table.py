"""Table: rows and headers, nested components, DataFrames (truncated), bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from flowscope.cards.artifact import Artifact
from flowscope.cards.component import MetaflowCardComponent
from flowscope.cards.markdown import Markdown
from flowscope.cards.table import MAX_ROWS, Table

from .html_check import parse


class Boom(MetaflowCardComponent):
    def render(self) -> str:
        raise ValueError("cell failed")


def _cells(html: str, tag: str = "td") -> list[str]:
    """The text of each cell, in order."""
    out: list[str] = []
    depth, current = 0, ""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def handle_starttag(self, t: str, a: object) -> None:
            nonlocal depth, current
            if t == tag:
                depth, current = depth + 1, ""

        def handle_endtag(self, t: str) -> None:
            nonlocal depth
            if t == tag:
                depth -= 1
                out.append(current.strip())

        def handle_data(self, d: str) -> None:
            nonlocal current
            if depth:
                current += d

    P().feed(html)
    return out


def test_rows_headers_and_cell_kinds() -> None:
    html = Table(
        [["a", 1, 2.5, True, None, [1, 2]]], headers=["s", "i", "f", "b", "n", "l"]
    ).render()
    assert _cells(html, "th") == ["s", "i", "f", "b", "n", "l"]
    assert _cells(html) == ["a", "1", "2.5", "True", "", "[1, 2]"]


def test_components_render_inside_cells_and_a_failing_one_stays_in_its_cell() -> None:
    html = Table([[Markdown("**x**"), Artifact(3), Boom()]]).render()
    parsed = parse(html)
    assert parsed.find("strong") and parsed.find("div", "fs-artifact")
    assert "Boom could not be rendered" in _cells(html)[2]


def test_a_bare_value_is_a_one_cell_row_and_no_headers_means_no_thead() -> None:
    html = Table(["only"]).render()
    assert _cells(html) == ["only"] and not parse(html).find("thead")


def test_from_dataframe_has_the_index_and_columns() -> None:
    df = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}, index=pd.Index([10, 20], name="id"))
    html = Table.from_dataframe(df).render()
    assert _cells(html, "th") == ["id", "x", "y"]
    assert _cells(html) == ["10", "1", "a", "20", "2", "b"]


def test_from_dataframe_shows_numpy_scalars_plainly() -> None:
    html = Table.from_dataframe(pd.DataFrame({"v": np.array([3], dtype=np.int64)})).render()
    assert _cells(html) == ["0", "3"]


def test_a_long_dataframe_is_truncated_with_a_note_unless_asked_not_to() -> None:
    df = pd.DataFrame({"v": range(MAX_ROWS * 3)})
    parsed = parse(Table.from_dataframe(df).render())
    assert len(parsed.find("tr")) == MAX_ROWS + 1  # the header row, then the rows
    assert f"showing the first {MAX_ROWS} of {MAX_ROWS * 3} rows" in parsed.joined_text
    assert len(parse(Table.from_dataframe(df, truncate=False).render()).find("tr")) == 301


def test_from_dataframe_of_something_else_shows_an_error() -> None:
    parsed = parse(Table.from_dataframe([1, 2]).render())
    assert "needs a DataFrame, not list" in parsed.joined_text


def test_a_table_itself_cannot_be_updated() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Table([[1]]).update([[2]])
    assert caught and "cannot be updated" in str(caught[0].message)


def test_long_text_cells_are_clipped() -> None:
    assert len(_cells(Table([["q" * 100_000]]).render())[0]) < 2_100
