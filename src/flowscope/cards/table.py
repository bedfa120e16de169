"""`Table`: rows of text, numbers or other components, from lists or from a DataFrame.

    current.card.append(Table([["accuracy", 0.93], ["loss", Artifact(losses)]],
                              headers=["metric", "value"]))
    current.card.append(Table.from_dataframe(df))

Cells may be strings, numbers, booleans, None (an empty cell), other components (rendered in
place; one that fails shows an error box in its cell) or any other object (its short repr).
A Table cannot itself be updated; update the components inside it. `from_dataframe` reads a
pandas DataFrame without importing pandas (any object with `columns`, `__len__` and `head`
works) and, with `truncate=True`, shows at most MAX_ROWS rows and says how many it left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flowscope.cards.artifact import short_repr
from flowscope.cards.component import (
    MetaflowCardComponent,
    error_fragment,
    id_attribute,
    render_fragment,
)
from flowscope.cards.escape import clip, text

MAX_ROWS = 100  # rows of a DataFrame shown when truncate=True
CELL_LIMIT = 2_000  # characters of one text cell


class Table(MetaflowCardComponent):
    """A table; `data` is a list of rows, each a list of cells."""

    def __init__(
        self,
        data: Sequence[Sequence[Any]] | None = None,
        headers: Sequence[Any] | None = None,
        disable_updates: bool = False,
    ) -> None:
        self._data = data if data is not None else []
        self._headers = headers if headers is not None else []
        self._disable_updates = disable_updates
        self._problem: str | None = None
        self._note: str | None = None

    @classmethod
    def from_dataframe(cls, dataframe: Any = None, truncate: bool = True) -> Table:
        """A Table of a pandas DataFrame's columns and rows (the first MAX_ROWS if truncate)."""
        if not all(hasattr(dataframe, a) for a in ("columns", "head", "__len__")):
            table = cls(disable_updates=True)
            table._problem = (
                f"Table.from_dataframe needs a DataFrame, not {type(dataframe).__name__}"
            )
            return table
        total = len(dataframe)
        shown = dataframe.head(MAX_ROWS) if truncate and total > MAX_ROWS else dataframe
        index_name = getattr(getattr(dataframe, "index", None), "name", None)
        headers = [index_name or "", *[str(c) for c in dataframe.columns]]
        rows = [[index, *values] for index, *values in shown.itertuples(index=True, name=None)]
        table = cls(data=rows, headers=headers, disable_updates=True)
        if len(rows) < total:
            table._note = f"showing the first {len(rows):,} of {total:,} rows"
        return table

    def render(self) -> str:
        if self._problem is not None:
            return error_fragment(self._problem)
        problems: list[str] = []
        head = "".join(f"<th>{_cell(h, problems)}</th>" for h in self._headers)
        thead = f"<thead><tr>{head}</tr></thead>" if self._headers else ""
        body = "".join(
            "<tr>" + "".join(f"<td>{_cell(c, problems)}</td>" for c in _row(r)) + "</tr>"
            for r in self._data
        )
        note = f'<p class="fs-note">{text(self._note)}</p>' if self._note else ""
        return (
            f'<div class="fs-component fs-table"{id_attribute(self)}>'
            f"<table>{thead}<tbody>{body}</tbody></table>{note}</div>"
        )


def _row(row: Any) -> Sequence[Any]:
    if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
        return [row]  # a bare value is a one-cell row
    return row


def _cell(value: Any, problems: list[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, MetaflowCardComponent):
        return render_fragment(value, problems)
    if isinstance(value, str):
        return text(clip(value, CELL_LIMIT))
    if isinstance(value, (bool, int, float)) or _is_scalar(value):
        return text(value)
    return text(short_repr(value))


def _is_scalar(value: Any) -> bool:
    """A numpy scalar or a pandas Timestamp/Timedelta: shown as str(), which is short."""
    module = type(value).__module__.split(".")[0]
    return module in ("numpy", "pandas") and getattr(value, "ndim", 0) == 0
