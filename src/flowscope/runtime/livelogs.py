"""The output of running attempts, line by line as the executor delivers it.

Each line is kept with its attempt (stored as the attempt's log blob when it ends, and sent
as a snapshot with heartbeats), echoed to the console, and, when the metadata provider
declares a live log directory (`MetadataProvider.live_log_dir`), appended to a file per
attempt and stream that readers follow while the attempt runs.

A line of stderr that carries a card signal (`current.card.refresh()` where there are no live
files: see flowscope.cards.records) is not output: the attempt's latest record of that card
is kept instead, for the heartbeat to send on (`live_cards`).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from flowscope.cards.records import SIGNAL, CardRecord, read_signal
from flowscope.datastore import ContentStore
from flowscope.errors import DataStoreError
from flowscope.logs import LogRecord, encode
from flowscope.runtime.console import Console
from flowscope.runtime.executor import AttemptKey
from flowscope.runtime.logbuffer import LogBuffer

STREAMS = ("stdout", "stderr")


class _Output:
    __slots__ = ("pathspec", "lines", "files", "cards")
    pathspec: str
    lines: dict[str, LogBuffer]  # per stream, each within --max-log-size
    files: dict[str, BinaryIO]
    cards: dict[int, CardRecord]  # card index -> latest record

    def __init__(
        self,
        pathspec: str,
        lines: dict[str, LogBuffer],
        files: dict[str, BinaryIO] | None = None,
        cards: dict[int, CardRecord] | None = None,
    ) -> None:
        self.pathspec = pathspec
        self.lines = lines
        self.files = {} if files is None else files
        self.cards = {} if cards is None else cards


class LiveLogs:
    def __init__(
        self,
        console: Console,
        store: ContentStore,
        flow_name: str,
        run_id: int,
        live_dir: Path | None,
        *,
        max_log_bytes: int | None = None,
    ) -> None:
        self.console = console
        self.max_log_bytes = max_log_bytes
        self.store = store
        self.flow_name = flow_name
        self.run_id = run_id
        self.live_dir = live_dir
        self._outputs: dict[AttemptKey, _Output] = {}
        if live_dir is not None:  # made once, now, while the store surely exists
            from flowscope.metastore.store import live_log_path

            run_dir = live_log_path(live_dir, flow_name, run_id, 0, 0, "stdout").parent
            try:
                run_dir.mkdir(parents=True, exist_ok=True)
            except OSError:
                self.live_dir = None

    def begin(self, key: AttemptKey, pathspec: str) -> None:
        limit = self.max_log_bytes
        self._outputs[key] = _Output(pathspec, {s: LogBuffer(limit) for s in STREAMS})

    def line(self, key: AttemptKey, stream: str, line: LogRecord) -> None:
        """The executor's output sink."""
        output = self._outputs.get(key)
        if output is None:  # an attempt this run did not begin: nothing to attach it to
            return
        if stream == "stderr" and SIGNAL in line.text:
            text, record = read_signal(line.text)
            if record is not None:
                output.cards[record.index] = record
                if not text:
                    return
                line = LogRecord(line.timestamp, text)  # what the task printed before it
        kept = output.lines[stream]
        was_full = kept.full
        live = kept.add(line)
        self.console.line(output.pathspec, stream, line)
        if self.live_dir is None or was_full:
            return
        if not live:  # the first line past the start: readers following live are told once
            line = LogRecord(
                line.timestamp,
                "[flowscope: the rest of this output is kept at "
                "the end of the stored log, within --max-log-size]",
            )
        try:
            handle = output.files.get(stream)
            if handle is None:
                handle = output.files[stream] = self._open(key, stream)
            handle.write(encode([line]))
        except OSError as exc:  # a full or vanished disk: the lines are kept, not followed
            self.live_dir = None
            self.console.note(f"Live task output is no longer written ({exc.strerror}).")

    def _open(self, key: AttemptKey, stream: str) -> BinaryIO:
        from flowscope.metastore.store import live_log_path

        assert self.live_dir is not None
        task_id, attempt = key
        path = live_log_path(self.live_dir, self.flow_name, self.run_id, task_id, attempt, stream)
        return open(path, "ab", buffering=0)  # its directory was made at the start

    def count(self, key: AttemptKey) -> tuple[int, int]:
        """How many lines of stdout and stderr the attempt has printed so far."""
        output = self._outputs.get(key)
        if output is None:
            return (0, 0)
        return (output.lines["stdout"].seen, output.lines["stderr"].seen)

    def live_cards(self, key: AttemptKey) -> tuple[CardRecord, ...]:
        """The latest record of each card the attempt signalled so far, in card order."""
        output = self._outputs.get(key)
        if output is None:
            return ()
        return tuple(output.cards[index] for index in sorted(output.cards))

    def store_log(self, key: AttemptKey, stream: str) -> str | None:
        """The attempt's output so far as a blob (its key), or None when there is none."""
        output = self._outputs.get(key)
        lines = output.lines[stream].lines() if output else None
        return self.store.put(encode(lines)) if lines else None

    def end(self, key: AttemptKey, *, best_effort: bool = False) -> tuple[str | None, str | None]:
        """The attempt has ended: store its logs, remove its live files, forget it. With
        `best_effort` (on the way out of a run), logs that cannot be stored are left out."""
        try:
            keys = (self.store_log(key, "stdout"), self.store_log(key, "stderr"))
        except DataStoreError:
            if not best_effort:
                raise
            keys = (None, None)
        finally:
            output = self._outputs.pop(key, None)
            if output is not None:
                _close(output)
        return keys

    def close(self) -> None:
        """Close and remove every live file (the run is over)."""
        for output in self._outputs.values():
            _close(output)
        self._outputs.clear()


def _close(output: _Output) -> None:
    import os

    for handle in output.files.values():
        try:
            handle.close()
        except OSError:
            pass
        try:
            os.unlink(handle.name)
        except OSError:
            pass
    output.files.clear()
