"""Task output: kept per attempt, echoed, followed live through files when the provider
declares a live log directory, and stored as a blob when the attempt ends."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from flowscope.cards.records import CardRecord, card_signal
from flowscope.datastore import ContentStore
from flowscope.datastore.memory import MemoryStorage
from flowscope.logs import LogRecord, decode
from flowscope.metastore.store import live_log_path
from flowscope.runtime.console import Console
from flowscope.runtime.livelogs import LiveLogs


def logs(live_dir: Path | None) -> tuple[LiveLogs, io.StringIO, ContentStore]:
    out = io.StringIO()
    store = ContentStore(MemoryStorage())
    return LiveLogs(Console(out), store, "F", 7, live_dir), out, store


def test_lines_are_echoed_followed_live_and_stored_when_the_attempt_ends(tmp_path: Path) -> None:
    live, out, store = logs(tmp_path)
    live.begin((3, 0), "F/7/a/3")
    live.line((3, 0), "stdout", LogRecord(1.5, "hello"))
    live.line((3, 0), "stdout", LogRecord(2.5, "again"))
    assert "[F/7/a/3] hello" in out.getvalue()
    path = live_log_path(tmp_path, "F", 7, 3, 0, "stdout")
    assert [line.text for line in decode(path.read_bytes())] == ["hello", "again"]
    assert live.count((3, 0)) == (2, 0)
    stdout, stderr = live.end((3, 0))
    assert stderr is None and not path.exists()
    assert [(ln.timestamp, ln.text) for ln in decode(bytes(store.get(stdout)))] == [
        (1.5, "hello"),
        (2.5, "again"),
    ]
    assert live.count((3, 0)) == (0, 0)  # forgotten


def test_without_a_live_directory_nothing_is_written_but_lines_are_kept(tmp_path: Path) -> None:
    live, _, _ = logs(None)
    live.begin((1, 0), "F/7/a/1")
    live.line((1, 0), "stderr", LogRecord(1.0, "oops"))
    assert live.count((1, 0)) == (0, 1) and live.store_log((1, 0), "stderr")
    assert list(tmp_path.iterdir()) == []


def test_lines_of_unknown_attempts_are_dropped_and_close_removes_live_files(
    tmp_path: Path,
) -> None:
    live, out, _ = logs(tmp_path)
    live.line((9, 0), "stdout", LogRecord(1.0, "stray"))
    assert out.getvalue() == ""
    live.begin((1, 0), "F/7/a/1")
    live.line((1, 0), "stdout", LogRecord(1.0, "x"))
    live.close()
    assert not live_log_path(tmp_path, "F", 7, 1, 0, "stdout").exists()


def test_a_live_file_that_cannot_be_written_stops_live_output_not_the_run(
    tmp_path: Path,
) -> None:
    live, out, _ = logs(tmp_path / "live")
    shutil.rmtree(tmp_path / "live")  # the directory made at the start is gone (or full)
    (tmp_path / "live").write_text("a file where the live directory should be")
    live.begin((1, 0), "F/7/a/1")
    live.line((1, 0), "stdout", LogRecord(1.0, "kept"))
    live.line((1, 0), "stdout", LogRecord(2.0, "still kept"))
    assert live.count((1, 0)) == (2, 0) and live.live_dir is None
    assert "Live task output is no longer written" in out.getvalue()


def test_logs_that_cannot_be_stored_on_the_way_out_are_left_out(tmp_path: Path) -> None:
    from flowscope.errors import DataStoreError

    live, _, store = logs(None)

    def full(data: object) -> str:
        raise DataStoreError("no space left on device")

    store.put = full  # type: ignore[method-assign]
    live.begin((1, 0), "F/7/a/1")
    live.line((1, 0), "stdout", LogRecord(1.0, "x"))
    assert live.end((1, 0), best_effort=True) == (None, None)
    live.begin((2, 0), "F/7/a/2")
    live.line((2, 0), "stdout", LogRecord(1.0, "x"))
    try:
        live.end((2, 0))
    except DataStoreError:
        pass
    else:
        raise AssertionError("a failed store was ignored outside the way out")
    assert live.count((2, 0)) == (0, 0)


def test_a_card_signal_is_kept_as_the_attempts_latest_card_not_as_output() -> None:
    live, out, store = logs(None)
    live.begin((3, 0), "F/7/a/3")
    first, second = (CardRecord(0, "blank", None, c * 64, 5) for c in "ab")
    other = CardRecord(1, "default", None, "c" * 64, 5)
    live.line((3, 0), "stderr", LogRecord(1.0, card_signal(first)))
    live.line((3, 0), "stderr", LogRecord(2.0, "partial" + card_signal(other)))
    live.line((3, 0), "stderr", LogRecord(3.0, card_signal(second)))
    live.line((3, 0), "stdout", LogRecord(4.0, card_signal(first)))  # only stderr carries them
    assert live.live_cards((3, 0)) == (second, other)
    assert live.count((3, 0)) == (1, 1) and out.getvalue().count("flowscope-card") == 1
    stdout, stderr = live.end((3, 0))
    assert [ln.text for ln in decode(bytes(store.get(stderr)))] == ["partial"]
    assert live.live_cards((3, 0)) == ()  # forgotten with the attempt


def test_output_beyond_the_limit_is_cut_in_the_middle_and_followers_are_told(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    store = ContentStore(MemoryStorage())
    live = LiveLogs(Console(out), store, "F", 7, tmp_path, max_log_bytes=400)
    live.begin((3, 0), "F/7/a/3")
    for i in range(100):
        live.line((3, 0), "stdout", LogRecord(float(i), f"line {i:04d}"))  # 9 bytes each
    assert "[F/7/a/3] line 0099" in out.getvalue()  # the console sees everything
    path = live_log_path(tmp_path, "F", 7, 3, 0, "stdout")
    followed = [line.text for line in decode(path.read_bytes())]
    assert followed[:33] == [f"line {i:04d}" for i in range(33)]
    assert len(followed) == 34 and "end of the stored log" in followed[33]
    assert live.count((3, 0)) == (100, 0)
    stdout, _ = live.end((3, 0))
    stored = [line.text for line in decode(bytes(store.get(stdout)))]
    assert stored[:33] == followed[:33]
    assert stored[-1] == "line 0099" and "left out" in stored[33]
    assert len(stored) == 33 + 1 + 11
