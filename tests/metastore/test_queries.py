"""Run filters, pages and table rows (metastore/queries.py)."""

from __future__ import annotations

from flowscope.frozen import replace
from flowscope.metastore.queries import Page, RunQuery


def test_queries_and_pages_have_safe_defaults() -> None:
    assert RunQuery().limit == 100 and RunQuery().parameters == {}
    assert RunQuery(parameters={"a": 1}) != RunQuery()
    assert Page.from_dict({"items": [1, 2], "cursor": None}) == Page((1, 2), None)


def test_replace_on_a_query_keeps_the_other_filters() -> None:
    query = RunQuery(tags_all=("a",), limit=5)
    assert replace(query, cursor="9") == RunQuery(tags_all=("a",), limit=5, cursor="9")
