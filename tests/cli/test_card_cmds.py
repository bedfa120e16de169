"""`card list|view|get` in process, over a local store holding cards the way the runtime
records them (blobs, and the attempt's `cards` fact)."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowscope.cards.records import CARDS_FACT, CardRecord, encode_records
from flowscope.cli.card_cmds import (
    add_card_parser,
    list_cards,
    one_card,
    run_card_command,
    tasks_of,
)
from flowscope.datastore import ContentStore, LocalStorage
from flowscope.errors import CardError, InvalidPathspec
from flowscope.metastore.local import open_local
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import Fact

T0 = 1_700_000_000.0
CARDS = {
    1: [("default", None, "<p>summary of start</p>"), ("blank", "report", "<p>report</p>")],
    2: [("blank", None, "<p>item 0</p>")],
    3: [("blank", None, "<p>item 1</p>")],
}


@pytest.fixture()
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    store_dir = tmp_path / ".flowscope"
    provider = open_local(store_dir, create=True)
    blobs = ContentStore(LocalStorage(store_dir / "blobs"))
    try:
        run = provider.create_run(NewRun("CardFlow", "alice", created_at=T0))
        tasks = [NewTask("start", 1), NewTask("body", 2), NewTask("body", 3)]
        provider.create_tasks("CardFlow", run.run_id, tasks)
        provider.start_attempts("CardFlow", run.run_id, [AttemptStart(t, 0, T0) for t in CARDS])
        results = []
        for task_id, cards in CARDS.items():
            records = [
                CardRecord(i, kind, card_id, blobs.put(doc.encode()), len(doc))
                for i, (kind, card_id, doc) in enumerate(cards)
            ]
            fact = Fact(CARDS_FACT, encode_records(records), "json", T0)
            results.append(AttemptResult(task_id, 0, "succeeded", T0 + 1, facts=(fact,)))
        provider.finish_attempts("CardFlow", run.run_id, results)
        provider.finish_run("CardFlow", run.run_id, "succeeded")
    finally:
        provider.close()
    monkeypatch.setenv("FLOWSCOPE_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    import flowscope

    flowscope.namespace(None)
    yield tmp_path


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_card_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["card", *argv])


def test_pathspecs_name_tasks_runs_and_steps_of_the_latest_run(root: Path) -> None:
    assert [t.pathspec for t in tasks_of("CardFlow", "1/start/1", many=False)] == [
        "CardFlow/1/start/1"
    ]
    assert [t.id for t in tasks_of("CardFlow", "body", many=True)] == ["2", "3"]
    assert {t.id for t in tasks_of("CardFlow", "1", many=True)} == {"1", "2", "3"}
    assert [t.id for t in tasks_of("CardFlow", "start", many=False)] == ["1"]
    with pytest.raises(InvalidPathspec, match="has 2 tasks \\(2, 3\\); name one: 1/body/TASK_ID"):
        tasks_of("CardFlow", "1/body", many=False)
    with pytest.raises(InvalidPathspec, match="names a run"):
        tasks_of("CardFlow", "1", many=False)
    with pytest.raises(InvalidPathspec, match="not a card pathspec"):
        tasks_of("CardFlow", "1/a/b/c", many=True)


def test_list_prints_every_card_and_json_on_request(root: Path) -> None:
    out = io.StringIO()
    list_cards("CardFlow", "1", None, None, False, out)
    lines = sorted(out.getvalue().splitlines())
    assert lines == [
        "CardFlow/1/body/2  blank",
        "CardFlow/1/body/3  blank",
        "CardFlow/1/start/1  blank id=report",
        "CardFlow/1/start/1  default",
    ]
    out = io.StringIO()
    list_cards("CardFlow", "1/start/1", "report", None, True, out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["id"] == "report" and row["type"] == "blank" and row["ok"] is True
    out = io.StringIO()
    list_cards("CardFlow", "1/start", "nope", None, False, out)
    assert out.getvalue() == "No cards in 1/start.\n"


def test_get_writes_the_chosen_card(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = root / "out.html"
    assert (
        run_card_command("CardFlow", _args("get", "1/start/1", str(target), "--id", "report")) == 0
    )
    assert target.read_text() == "<p>report</p>"
    out = io.StringIO()
    run_card_command("CardFlow", _args("get", "start", "-", "--type", "default"), out=out)
    assert out.getvalue() == "<p>summary of start</p>"
    one_card("CardFlow", "start", None, None)  # two match: the first, with a note
    assert "2 cards match; this is the first" in capsys.readouterr().err


def test_view_writes_a_file_without_a_browser_when_asked(root: Path) -> None:
    out = io.StringIO()
    target = root / "view.html"
    args = _args("view", "1/body/3", "--no-browser", "--file", str(target))
    assert run_card_command("CardFlow", args, out=out) == 0
    assert target.read_text() == "<p>item 1</p>" and str(target) in out.getvalue()


def test_no_matching_card_is_a_one_line_error_naming_the_cards_there_are(root: Path) -> None:
    with pytest.raises(CardError, match="no card of CardFlow/1/body/2 matches .*blank card #0"):
        one_card("CardFlow", "1/body/2", "missing", None)
