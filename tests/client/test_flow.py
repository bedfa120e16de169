"""Flow and Metaflow(): listing runs and flows (client/flow.py, client/root.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flowscope.client import Flow, Metaflow, Run, namespace
from flowscope.client.context import CONTEXT
from flowscope.errors import NamespaceMismatch, ObjectNotFound, TagError
from flowscope.metastore.queries import Page


def test_runs_iterate_newest_first(client, builder):
    for _ in range(5):
        builder.hello()
    assert [r.id for r in Flow("HelloFlow")] == ["5", "4", "3", "2", "1"]
    assert len(Flow("HelloFlow")) == 5


def test_runs_filter_by_all_given_tags(client, builder):
    builder.hello(tags=["a"])
    builder.hello(tags=["a", "b"])
    builder.hello(tags=["b"])
    flow = Flow("HelloFlow")
    assert [r.id for r in flow.runs("a")] == ["2", "1"]
    assert [r.id for r in flow.runs("a", "b")] == ["2"]
    assert [r.id for r in flow.runs("nope")] == []
    assert [r.id for r in flow.runs("user:alice")] == ["3", "2", "1"]


def test_runs_filter_is_also_limited_to_the_namespace(client, builder):
    builder.hello(tags=["a"])
    builder.hello(tags=["a"], user="bob")
    assert [r.id for r in Flow("HelloFlow").runs("a")] == ["1"]
    namespace(None)
    assert [r.id for r in Flow("HelloFlow").runs("a")] == ["2", "1"]


def test_runs_filter_is_done_by_the_store(client, builder, counting):
    for i in range(4):
        builder.hello(tags=["keep"] if i % 2 else [])
    flow = Flow("HelloFlow")
    counting.calls.clear()
    assert len(list(flow.runs("keep"))) == 2
    assert counting.calls == {"list_runs": 1}


@pytest.mark.parametrize("bad", ["", "x" * 501, 3])
def test_invalid_tag_filters_are_refused(client, builder, bad):
    builder.hello()
    with pytest.raises(TagError):
        list(Flow("HelloFlow").runs(bad))  # type: ignore[arg-type]


def test_listing_follows_page_cursors(client, builder):
    for _ in range(7):
        builder.hello()

    class SmallPages:
        def __init__(self, inner):
            self.inner, self.pages = inner, 0

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def list_runs(self, flow_name, query):
            self.pages += 1
            return self.inner.list_runs(flow_name, replace(query, limit=min(query.limit, 3)))

    small = SmallPages(CONTEXT.provider())
    CONTEXT.use_provider(small)  # type: ignore[arg-type]
    assert [r.id for r in Flow("HelloFlow")] == ["7", "6", "5", "4", "3", "2", "1"]
    assert small.pages >= 3
    assert len(Flow("HelloFlow")) == 7


def test_listing_asks_for_large_pages(client, builder, counting):
    builder.hello()
    seen = []
    inner = counting._inner

    def spy(flow_name, query):
        seen.append(query)
        return inner.list_runs(flow_name, query)

    counting._inner = type(
        "Spy", (), {"__getattr__": lambda s, n: getattr(inner, n), "list_runs": staticmethod(spy)}
    )()
    list(Flow("HelloFlow"))
    assert seen and seen[-1].limit >= 1000 and seen[-1].tags_all == ("user:alice",)


def test_listing_runs_makes_no_per_run_queries(client, builder, counting):
    for _ in range(20):
        builder.new_run("ManyFlow")
    flow = Flow("ManyFlow")
    counting.calls.clear()
    runs = list(flow)
    _ = [(r.id, r.created_at, r.tags, r.status, r.finished) for r in runs]
    assert counting.calls["list_runs"] == 1
    assert counting.total() - counting.calls["list_runs"] <= 20  # running runs: status refetched
    counting.calls.clear()
    _ = [(r.id, r.created_at, r.tags) for r in runs]
    assert counting.total() == 0


def test_finished_runs_listing_status_costs_nothing_more(client, builder, counting):
    for _ in range(10):
        builder.hello()
    flow = Flow("HelloFlow")
    counting.calls.clear()
    statuses = [(r.status, r.successful, r.finished, r.finished_at) for r in list(flow)]
    assert len(statuses) == 10
    assert counting.calls == {"list_runs": 1}


def test_latest_run_and_latest_successful_run(client, builder):
    builder.hello()
    builder.failed("HelloFlow")
    builder.running("HelloFlow")
    flow = Flow("HelloFlow")
    assert flow.latest_run.id == "3"
    assert flow.latest_successful_run.id == "1"


def test_latest_are_none_when_there_is_no_such_run(client, builder):
    builder.failed("FailFlow")
    assert Flow("FailFlow").latest_successful_run is None
    builder.hello(user="bob")
    namespace("team:none")
    with pytest.raises(NamespaceMismatch):
        Flow("HelloFlow")
    namespace(None)
    flow = Flow("HelloFlow")
    namespace("user:alice")
    assert flow.latest_run is not None  # the flow kept its (global) namespace


def test_latest_successful_run_is_answered_by_one_metadata_query(client, builder, counting):
    for _ in range(3):
        builder.hello()
    builder.failed("HelloFlow")
    flow = Flow("HelloFlow")
    counting.calls.clear()
    latest = flow.latest_successful_run
    assert latest.id == "3" and latest.successful
    assert counting.calls == {"list_runs": 1}


def test_tag_changes_keep_created_at_and_order(client, builder):
    for _ in range(3):
        builder.hello()
    before = [(r.id, r.created_at) for r in Flow("HelloFlow")]
    Run("HelloFlow/1").add_tag("touched")
    Run("HelloFlow/2").add_tags(["a", "b"])
    Run("HelloFlow/2").replace_tags(["a"], ["c"])
    assert [(r.id, r.created_at) for r in Flow("HelloFlow")] == before


def test_flow_created_at_and_parent(client, builder):
    builder.hello()
    flow = Flow("HelloFlow")
    assert flow.parent is None and flow.tags == frozenset()
    assert flow.created_at <= Run("HelloFlow/1").created_at


def test_flow_contains_and_brackets(client, builder):
    builder.hello()
    flow = Flow("HelloFlow")
    assert "1" in flow and "2" not in flow
    assert flow["1"] == Run("HelloFlow/1")


def test_flow_outside_namespace_message_names_the_owner(client, builder):
    builder.hello("BobFlow", user="bob")
    with pytest.raises(NamespaceMismatch) as err:
        Flow("BobFlow")
    assert "Flow('BobFlow')" in str(err.value) and "user:alice" in str(err.value)
    assert "namespace(None)" in str(err.value) and "namespace('user:bob')" in str(err.value)


def test_missing_flow(client, builder):
    with pytest.raises(ObjectNotFound, match=r"Flow\('NoFlow'\) does not exist"):
        Flow("NoFlow")


def test_page_cursor_is_followed_for_a_provider_with_tiny_pages(client, builder):
    builder.hello()
    builder.hello()
    inner = CONTEXT.provider()

    class OnePerPage:
        def __getattr__(self, name):
            return getattr(inner, name)

        def list_runs(self, flow_name, query):
            page = inner.list_runs(flow_name, replace(query, limit=1))
            return Page(page.items, page.cursor)

    CONTEXT.use_provider(OnePerPage())  # type: ignore[arg-type]
    assert [r.id for r in Flow("HelloFlow").runs()] == ["2", "1"]


def test_list_of_a_container_costs_one_listing(client, builder, counting):
    run = builder.foreach(4)
    flow, root = Flow("ForeachFlow"), Metaflow()
    r = Run(run.pathspec)
    step = r["square"]
    for obj, call in [
        (flow, "list_runs"),
        (root, "list_flows"),
        (r, "list_steps"),
        (step, "list_tasks"),
    ]:
        counting.calls.clear()
        assert len(list(obj)) >= 1
        assert counting.calls[call] <= 1 and counting.total() <= 1, (obj, counting.calls)


def test_len_counts_visible_children(client, builder):
    run = builder.hello()
    assert len(Run(run.pathspec)) == 3  # _parameters is hidden
    assert len(Flow("HelloFlow")) == 1
    assert len(Run(run.pathspec)["start"].task) == 2  # alpha, x; _internal hidden
