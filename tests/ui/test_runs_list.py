"""The runs list (runs_list.py): filters, paging by the provider's cursor, bounds, links."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import FlowscopeError
from flowscope.metastore.new_records import NewRun
from flowscope.ui.runs_list import PAGE, link, read_runs


@pytest.fixture
def many(tmp_path: Any) -> Any:
    from flowscope.config import Settings
    from flowscope.stores import open_stores

    stores = open_stores(str(tmp_path), None, settings=Settings.from_env(), create=True)
    for i in range(PAGE + 5):
        stores.provider.create_run(
            NewRun(flow_name="F", user="ann" if i % 2 else "bob", user_tags=(f"t{i % 3}",),
                   parameters={"alpha": i})
        )  # fmt: skip
    yield stores
    stores.close()


def test_pages_follow_the_provider_cursor(many: Any) -> None:
    first = read_runs(many, "F", {}, [])
    assert len(first.runs) == PAGE and first.next_cursor is not None
    assert first.runs[0]["record"].run_id == PAGE + 5 and first.params == ["alpha"]
    second = read_runs(many, "F", {"cursor": first.next_cursor}, [])
    assert [r["record"].run_id for r in second.runs] == [5, 4, 3, 2, 1]
    assert second.next_cursor is None


def test_filters_and_facets(many: Any) -> None:
    ann = read_runs(many, "F", {"user": "ann"}, ["t1"])
    assert ann.runs and all(r["record"].user == "ann" for r in ann.runs)
    assert all("t1" in r["record"].user_tags for r in ann.runs)
    everyone = read_runs(many, "F", {}, [])
    assert everyone.users == ["ann", "bob"] and everyone.tag_facets == ["t0", "t1", "t2"]
    by_alpha = read_runs(many, "F", {"sort": "param:alpha", "order": "asc"}, [])
    assert by_alpha.runs[0]["params"]["alpha"] < by_alpha.runs[-1]["params"]["alpha"]


def test_bad_filters_are_errors(many: Any) -> None:
    with pytest.raises(FlowscopeError, match="status must be"):
        read_runs(many, "F", {"status": "nope"}, [])
    with pytest.raises(FlowscopeError, match="At most"):
        read_runs(many, "F", {}, [f"t{i}" for i in range(50)])
    with pytest.raises(FlowscopeError, match="does not exist"):
        read_runs(many, "G", {}, [])


def test_links_keep_the_state(many: Any) -> None:
    page = read_runs(many, "F", {"user": "ann"}, ["t1"])
    assert link(page, status="failed") == "?status=failed&user=ann&tag=t1"
    assert link(page, drop_tag="t1", user=None) == "?"
    assert "tag=%3Cx%3E" in link(page, add_tag="<x>")


def test_sorting_orders_the_whole_listing_and_pages_it(many: Any) -> None:
    by_alpha = read_runs(many, "F", {"sort": "param:alpha", "order": "asc"}, [])
    assert [r["params"]["alpha"] for r in by_alpha.runs] == list(range(PAGE))
    assert by_alpha.notice is None and by_alpha.next_cursor == f"@{PAGE}"
    rest = read_runs(
        many, "F", {"sort": "param:alpha", "order": "asc", "cursor": by_alpha.next_cursor}, []
    )
    assert [r["params"]["alpha"] for r in rest.runs] == list(range(PAGE, PAGE + 5))
    assert rest.next_cursor is None
    oldest = read_runs(many, "F", {"sort": "id", "order": "asc"}, [])
    assert [r["record"].run_id for r in oldest.runs] == list(range(1, PAGE + 1))
    by_user = read_runs(many, "F", {"sort": "user", "order": "asc"}, [])
    assert {r["record"].user for r in by_user.runs[:27]} == {"ann"}  # 27 of 55 are ann's
    ann_tagged = read_runs(many, "F", {"sort": "param:alpha", "user": "ann"}, ["t1"])
    alphas = [r["params"]["alpha"] for r in ann_tagged.runs]
    assert alphas == sorted(alphas, reverse=True) and all(a % 2 and a % 3 == 1 for a in alphas)
    # an offset is no provider cursor: the newest-first listing starts again
    assert read_runs(many, "F", {"cursor": "@50"}, []).runs[0]["record"].run_id == PAGE + 5


def test_a_listing_too_long_to_sort_here_says_so(many: Any, monkeypatch: Any) -> None:
    from flowscope.ui import runs_list

    monkeypatch.setattr(runs_list, "SORT_ALL", 10)
    page = read_runs(many, "F", {"sort": "param:alpha", "order": "asc"}, [])
    assert page.notice is not None and "this page only" in page.notice
    alphas = [r["params"]["alpha"] for r in page.runs]
    assert alphas == sorted(alphas) and min(alphas) == 5  # the newest page, sorted
    assert page.next_cursor is not None and not page.next_cursor.startswith("@")
