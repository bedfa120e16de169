"""Cards end to end, as a user runs them (`python flow.py run`, then `card list|get|view`
and `get_cards`), recorded locally and to a real service: the same cards either way."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from conftest import FLOWS

READ = """
import json, sys
import flowscope
from flowscope.cards import get_cards
flowscope.metadata(sys.argv[1]); flowscope.namespace(None)
run = flowscope.Flow("CardsFlow").latest_run
out = {}
for s in run:
    for t in s:
        out[f"{s.id}/{t.id}"] = [[c.type, c.id, c.ok, c.html] for c in get_cards(t)]
print(json.dumps(out))
"""


def _cards(workspace, address: str) -> dict[str, list[list]]:
    proc = subprocess.run(
        [sys.executable, "-c", READ, address],
        cwd=workspace.root,
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _check(cards: dict[str, list[list]]) -> None:
    by_step: dict[str, list[list]] = {}
    for where, found in cards.items():
        by_step.setdefault(where.split("/")[0], []).append(found)
    ((start,),) = [by_step["start"]]
    assert [(k, i, ok) for k, i, ok, _ in start] == [
        ("default", None, True),
        ("blank", "report", True),
    ]
    summary, report = start[0][3], start[1][3]
    assert "<h1>Start </h1>" in summary and "<script>" not in summary  # sanitised Markdown
    assert "&lt;script&gt;alert" in summary  # the artifact's preview, escaped
    assert "start printed this" in summary and "items" in summary and "note" in summary
    assert "Weekly report" in report and "two" in report
    assert sorted(f[0][3].split("squared is ")[1][:1] for f in by_step["item"]) == ["0", "1", "4"]
    ((join,),) = by_step["join"]
    kind, card_id, ok, shown = join
    assert (kind, card_id, ok) == ("blank", "broken", False)  # a component failed
    assert "total 5" in shown and "this component always fails" in shown
    ((end,),) = by_step["end"]
    assert end[2] is False and "timeout of 1 s" in end[3]


def test_a_flows_cards_are_stored_and_read_back_locally(workspace) -> None:
    result = workspace.run("cards", "run", timeout=180)
    assert result.code == 0, result.output
    # a card that fails never fails the task; the log says why
    assert (
        "Broken could not be rendered: RuntimeError: this component always fails" in result.output
    )
    assert "took longer than its timeout of 1 s" in result.output
    assert "Run CardsFlow/1 succeeded" in result.output
    _check(_cards(workspace, str(workspace.root)))

    listed = workspace.run("cards", "card", "list", "1")
    assert listed.code == 0, listed.output
    assert "CardsFlow/1/start/2  blank id=report" in listed.stdout
    assert "(shows a render error)" in listed.stdout and listed.stdout.count("  blank") == 5
    as_json = workspace.run("cards", "card", "list", "start", "--as-json", "--type", "default")
    (row,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert row["type"] == "default" and row["id"] is None

    target = workspace.root / "report.html"
    got = workspace.run("cards", "card", "get", "1/start", str(target), "--id", "report")
    assert got.code == 0, got.output
    assert "Weekly report" in target.read_text()
    viewed = workspace.run("cards", "card", "view", "start", "--type", "default", "--no-browser",
                           "--file", str(workspace.root / "v.html"))  # fmt: skip
    assert viewed.code == 0, (
        viewed.output and "start printed this" in (workspace.root / "v.html").read_text()
    )

    wide = workspace.run("cards", "card", "view", "1/item", "--no-browser")
    assert wide.code != 0 and "has 3 tasks" in wide.stderr and "Traceback" not in wide.stderr
    missing = workspace.run("cards", "card", "get", "1/start/2", "-", "--id", "nope")
    assert missing.code != 0 and "no card of CardsFlow/1/start/2 matches" in missing.stderr


@pytest.mark.service
def test_the_same_cards_over_a_service(workspace, sqlite_service) -> None:
    from pg import reset_database

    reset_database(sqlite_service.database)
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = sqlite_service.token
    result = workspace.run("cards", "--metadata", sqlite_service.url, "run", timeout=180)
    assert result.code == 0, result.output
    remote = _cards(workspace, sqlite_service.url)
    _check(remote)
    listed = workspace.run("cards", "--metadata", sqlite_service.url, "card", "list", "1")
    assert listed.code == 0 and "CardsFlow/1/start/2  default" in listed.stdout, listed.output


def _live_card(address: str) -> tuple[str, str] | None:
    """(the task's status, the live card's HTML) of LiveCardsFlow's running start task."""
    import flowscope
    from flowscope.cards import get_cards
    from flowscope.errors import FlowscopeError

    flowscope.metadata(address)
    flowscope.namespace(None)
    try:
        (task,) = list(flowscope.Flow("LiveCardsFlow").latest_run["start"])
    except (FlowscopeError, ValueError):  # no run or no task yet
        return None
    found = get_cards(task, id="live")
    return (task.status, found[0].html) if found else None


def _wait_for_card(address: str, text: str, proc: subprocess.Popen[str]) -> tuple[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        seen = _live_card(address)
        if seen is not None and text in seen[1]:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"no card showing {text!r} within 60 s; last seen: {seen!r:.300}")


@pytest.mark.service
def test_a_refreshed_card_reaches_the_service_while_the_task_runs(
    workspace, sqlite_service, monkeypatch
) -> None:
    from pg import reset_database

    reset_database(sqlite_service.database)
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = sqlite_service.token
    monkeypatch.setenv("FLOWSCOPE_SERVICE_TOKEN", sqlite_service.token)
    shutil.copy(FLOWS / "live_cards.py", workspace.root / "live_cards.py")
    proc = subprocess.Popen(
        [sys.executable, "live_cards.py", "--metadata", sqlite_service.url, "run"],
        cwd=workspace.root,
        env=workspace.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, shown = _wait_for_card(sqlite_service.url, "phase one", proc)
        assert status == "running"
        assert "<script>" not in shown and "phase two" not in shown
        (workspace.root / "go").touch()
        status, shown = _wait_for_card(sqlite_service.url, "phase two", proc)
        assert status == "running" and "phase one" not in shown
        (workspace.root / "finish").touch()
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert "after the first refresh" in output and "flowscope-card" not in output
    status, shown = _live_card(sqlite_service.url) or ("", "")
    assert status == "succeeded" and "phase final" in shown  # the final card replaced it
    log = workspace.run("live_cards", "--metadata", sqlite_service.url, "logs", "1/start")
    assert "after the first refresh" in log.stdout and "flowscope-card" not in log.output
