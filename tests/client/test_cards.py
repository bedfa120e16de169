"""get_cards over both metadata backends: cards recorded as a task's `cards` fact, read back
from the content store; filters; notebook display; live pointers; resumed tasks."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest

from flowscope.cards import get_cards as lazily_exported
from flowscope.cards.records import CARDS_FACT, CardRecord, encode_records, live_card_path
from flowscope.client import Task
from flowscope.client.cards import Card, CardContainer, get_cards
from flowscope.errors import CardError, InvalidPathspec, ObjectNotFound


def _doc(title: str) -> str:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{title}</body></html>"


def _record_cards(builder, cards: list[tuple[str, str | None, str]], **task_kwargs) -> str:
    """A finished HelloFlow run whose `start` task has `cards` (type, id, html)."""
    records = [
        CardRecord(i, kind, card_id, builder.blob(doc.encode()), len(doc))
        for i, (kind, card_id, doc) in enumerate(cards)
    ]
    run = builder.new_run("CardFlow", parameters={})
    builder.task(run, "start", {"x": 1}, facts={CARDS_FACT: encode_records(records)}, **task_kwargs)
    builder.finish(run)
    return run.task("start")


def test_the_cards_of_a_task_in_decorator_order(client, builder):
    pathspec = _record_cards(
        builder,
        [("default", None, _doc("summary")), ("blank", "report", _doc("report <b>"))],
    )
    cards = get_cards(pathspec)
    assert isinstance(cards, CardContainer) and len(cards) == 2
    assert [(c.type, c.id) for c in cards] == [("default", None), ("blank", "report")]
    assert cards[0].html == _doc("summary") and cards[1].html == _doc("report <b>")
    assert all(c.pathspec == pathspec and c.ok for c in cards)
    assert get_cards(Task(pathspec))[1].key == cards[1].key  # a Task or its pathspec
    assert lazily_exported is get_cards  # `from flowscope.cards import get_cards`


def test_id_and_type_choose_cards_and_an_unmatched_filter_is_empty(client, builder):
    pathspec = _record_cards(
        builder,
        [("default", None, _doc("a")), ("blank", "one", _doc("b")), ("blank", "two", _doc("c"))],
    )
    assert [c.id for c in get_cards(pathspec, type="blank")] == ["one", "two"]
    assert [c.html for c in get_cards(pathspec, id="two")] == [_doc("c")]
    assert len(get_cards(pathspec, id="one", type="default")) == 0
    assert list(get_cards(pathspec, id="nope")) == []


def test_a_task_without_cards_has_none(client, builder):
    run = builder.hello()
    assert len(get_cards(run.task("start"))) == 0
    assert get_cards(run.task("start"))._repr_html_() == "<p>No cards.</p>"


def test_the_notebook_display_is_a_sandboxed_frame_holding_the_escaped_card(client, builder):
    hostile = _doc('"><script>alert(1)</script>')
    pathspec = _record_cards(builder, [("blank", None, hostile)])
    shown = get_cards(pathspec)[0]._repr_html_()

    class Frames(HTMLParser):
        found: list[dict[str, str | None]] = []

        def handle_starttag(self, tag, attrs):
            assert tag == "iframe", tag  # nothing of the card is markup of the page
            self.found.append(dict(attrs))

    parser = Frames()
    parser.feed(shown)
    (frame,) = parser.found
    assert frame["sandbox"] == ""  # no allow-scripts, no allow-same-origin
    assert frame["srcdoc"] == hostile  # the card whole, as the frame's document
    assert html.escape(hostile, quote=True) in shown


def test_view_writes_the_card_and_get_writes_nothing_else(client, builder, tmp_path):
    pathspec = _record_cards(builder, [("blank", "r", _doc("viewed"))])
    card = get_cards(pathspec)[0]
    path = card.view(tmp_path / "card.html", open_browser=False)
    assert path.read_text() == _doc("viewed")
    temporary = card.view(open_browser=False)
    assert temporary.read_text() == _doc("viewed") and temporary.suffix == ".html"
    temporary.unlink()
    assert "blank card id='r'" in repr(card)


def test_a_damaged_fact_is_ignored_entry_by_entry(client, builder):
    good = CardRecord(1, "blank", None, builder.blob(b"<p>ok</p>"), 9)
    value = encode_records([good])[:-1] + ',{"index":"x"},7]'
    run = builder.new_run("CardFlow", parameters={})
    builder.task(run, "start", {}, facts={CARDS_FACT: value})
    assert [c.html for c in get_cards(run.task("start"))] == ["<p>ok</p>"]
    builder.task(run, "end", {}, facts={CARDS_FACT: "not json"})
    assert len(get_cards(run.task("end"))) == 0


def test_a_task_cloned_by_resume_shows_its_origins_cards(client, builder):
    origin = _record_cards(builder, [("default", None, _doc("from the origin"))])
    run = builder.new_run("CardFlow", parameters={})
    builder.task(run, "start", {"x": 1}, origin_pathspec=origin)
    clone = run.task("start")
    assert [c.html for c in get_cards(clone)] == [_doc("from the origin")]
    assert get_cards(clone)[0].pathspec == origin
    assert len(get_cards(clone, follow_resumed=False)) == 0


def test_bad_arguments_say_what_to_pass(client, builder):
    with pytest.raises(CardError, match="a Task or a task pathspec"):
        get_cards(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidPathspec):
        get_cards("CardFlow/x/start")
    with pytest.raises(ObjectNotFound):
        get_cards("CardFlow/1/start/999")


def test_a_running_tasks_refreshed_card_is_read_through_its_pointer(client, builder, backend):
    from flowscope.cards.records import write_pointer

    run = builder.new_run("CardFlow", parameters={})
    task_id = builder.task(run, "start", {}, status=None)  # still running
    pathspec = run.task("start")
    assert len(get_cards(pathspec)) == 0
    if backend.live_dir is None:  # a service: refreshed cards come with heartbeats
        return
    doc = _doc("live 1")
    record = CardRecord(0, "default", None, builder.blob(doc.encode()), len(doc))
    path = live_card_path(backend.live_dir, "CardFlow", run.run_id, task_id, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_pointer(path, record)
    assert [c.html for c in get_cards(pathspec)] == [doc]
    doc2 = _doc("live 2")
    write_pointer(path, CardRecord(0, "default", None, builder.blob(doc2.encode()), len(doc2)))
    assert [c.html for c in get_cards(Task(pathspec))] == [doc2]


def test_a_running_tasks_refreshed_card_is_read_from_its_heartbeat(client, builder):
    from flowscope.cards.records import CARDS_FACT, encode_records
    from flowscope.metastore.records import Fact

    run = builder.new_run("CardFlow", parameters={})
    task_id = builder.task(run, "start", {}, status=None)  # still running
    pathspec = run.task("start")
    for text in ("live 1", "live 2"):
        doc = _doc(text)
        record = CardRecord(0, "blank", "live", builder.blob(doc.encode()), len(doc))
        fact = Fact(CARDS_FACT, encode_records([record]), "json")
        builder.provider.heartbeat(run.flow, run.run_id, [(task_id, 0)], (), [(task_id, 0, fact)])
        assert [(c.id, c.html) for c in get_cards(pathspec)] == [("live", doc)]


def test_card_objects_are_the_clients(client, builder):
    pathspec = _record_cards(builder, [("blank", None, _doc("x"))])
    assert isinstance(get_cards(pathspec)[0], Card)
    assert get_cards(pathspec)[0:1][0].type == "blank"
