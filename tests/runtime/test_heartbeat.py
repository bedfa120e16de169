"""The heartbeat beats when due, and sends output snapshots only where readers need them."""

from __future__ import annotations

import io
from typing import Any

from flowscope.cards.records import CardRecord, card_signal, decode_records
from flowscope.datastore import ContentStore
from flowscope.datastore.memory import MemoryStorage
from flowscope.logs import LogRecord
from flowscope.runtime.console import Console
from flowscope.runtime.heartbeat import Heartbeat
from flowscope.runtime.livelogs import LiveLogs


class Provider:
    def __init__(self) -> None:
        self.beats: list[tuple[list[Any], list[Any]]] = []
        self.facts: list[list[Any]] = []

    def heartbeat(
        self, flow: str, run_id: int, tasks: Any = (), logs: Any = (), facts: Any = ()
    ) -> None:
        self.beats.append((list(tasks), list(logs)))
        self.facts.append(list(facts))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def setup(snapshots: bool) -> tuple[Heartbeat, Provider, Clock, LiveLogs]:
    provider, clock = Provider(), Clock()
    logs = LiveLogs(Console(io.StringIO(), quiet=True), ContentStore(MemoryStorage()), "F", 1, None)
    beat = Heartbeat(provider, "F", 1, 5.0, logs, snapshots=snapshots, clock=clock)  # type: ignore[arg-type]
    return beat, provider, clock, logs


def test_beats_every_interval_with_the_running_attempts() -> None:
    beat, provider, clock, _ = setup(snapshots=False)
    assert beat.wait() == 5.0 and not beat.beat_if_due([(1, 0)])
    clock.now += 5
    assert beat.wait() == 0.0 and beat.beat_if_due([(1, 0), (2, 1)])
    assert provider.beats == [([(1, 0), (2, 1)], [])]
    assert beat.wait() == 5.0


def test_snapshots_only_for_attempts_whose_output_grew() -> None:
    beat, provider, clock, logs = setup(snapshots=True)
    logs.begin((1, 0), "F/1/a/1")
    logs.begin((2, 0), "F/1/a/2")
    logs.line((1, 0), "stdout", LogRecord(1.0, "one"))
    clock.now += 5
    beat.beat_if_due([(1, 0), (2, 0)])
    ((_, snaps),) = provider.beats
    assert [(t, a) for t, a, _, _ in snaps] == [(1, 0)] and snaps[0][2] and snaps[0][3] is None
    clock.now += 5
    beat.beat_if_due([(1, 0), (2, 0)])  # nothing new
    assert provider.beats[-1][1] == []
    logs.line((1, 0), "stderr", LogRecord(2.0, "warn"))
    clock.now += 5
    beat.beat_if_due([(1, 0)])
    assert [(t, a) for t, a, _, e in provider.beats[-1][1] if e] == [(1, 0)]


def test_cards_refreshed_since_the_last_beat_go_with_it_as_the_cards_fact() -> None:
    beat, provider, clock, logs = setup(snapshots=False)
    logs.begin((1, 0), "F/1/a/1")
    logs.begin((2, 0), "F/1/a/2")
    first, second = (CardRecord(0, "blank", "live", c * 64, 5) for c in "ab")
    logs.line((1, 0), "stderr", LogRecord(1.0, card_signal(first)))
    clock.now += 5
    beat.beat_if_due([(1, 0), (2, 0)])
    ((task, attempt, fact),) = provider.facts[-1]
    assert (task, attempt, fact.field, fact.type) == (1, 0, "cards", "json")
    assert decode_records(fact.value) == [first] and fact.created_at == clock.now
    clock.now += 5
    beat.beat_if_due([(1, 0), (2, 0)])  # no new refresh: nothing sent again
    assert provider.facts[-1] == []
    logs.line((1, 0), "stderr", LogRecord(2.0, card_signal(second)))
    clock.now += 5
    beat.beat_if_due([(1, 0)])
    assert [decode_records(f.value) for _, _, f in provider.facts[-1]] == [[second]]
