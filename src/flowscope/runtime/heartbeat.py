"""The run's heartbeat: every `interval` seconds, the run and its running attempts are marked
alive, so that readers can tell a live run from a lost one.

For providers whose readers cannot see the runner's live log files (the service), each beat
also carries a snapshot of the output so far of every running attempt whose output grew since
the last beat, stored as blobs. Each beat also carries the cards that running attempts refreshed
since the last beat (`LiveLogs.live_cards`), as the attempt's `cards` fact so far; the
attempt's final fact replaces it when it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from flowscope.cards.records import CARDS_FACT, CardRecord, encode_records
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import Fact
from flowscope.runtime.executor import AttemptKey
from flowscope.runtime.livelogs import LiveLogs

Snapshot = tuple[int, int, str | None, str | None]  # task id, attempt, stdout key, stderr key
LiveFact = tuple[int, int, Fact]  # task id, attempt, a fact of the running attempt


class Heartbeat:
    def __init__(
        self,
        provider: MetadataProvider,
        flow_name: str,
        run_id: int,
        interval: float,
        logs: LiveLogs,
        *,
        snapshots: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self.flow_name = flow_name
        self.run_id = run_id
        self.interval = interval
        self.logs = logs
        self.snapshots = snapshots
        self.clock = clock
        self.next_beat = clock() + interval
        self._sizes: dict[AttemptKey, tuple[int, int]] = {}
        self._cards: dict[AttemptKey, tuple[CardRecord, ...]] = {}

    def wait(self) -> float:
        """Seconds until the next beat is due (0 when it is)."""
        return max(0.0, self.next_beat - self.clock())

    def beat_if_due(self, running: Collection[AttemptKey]) -> bool:
        if self.clock() < self.next_beat:
            return False
        keys = list(running)
        logs = self._snapshots(keys) if self.snapshots else []
        facts = self._card_facts(keys)
        self.provider.heartbeat(self.flow_name, self.run_id, keys, logs, facts)
        self.next_beat = self.clock() + self.interval
        return True

    def _snapshots(self, running: list[AttemptKey]) -> list[Snapshot]:
        sizes = {key: self.logs.count(key) for key in running}
        found = []
        for key, size in sizes.items():
            if size == self._sizes.get(key, (0, 0)):
                continue
            task_id, attempt = key
            stdout, stderr = self.logs.store_log(key, "stdout"), self.logs.store_log(key, "stderr")
            found.append((task_id, attempt, stdout, stderr))
        self._sizes = sizes  # ended attempts are forgotten
        return found

    def _card_facts(self, running: list[AttemptKey]) -> list[LiveFact]:
        cards = {key: self.logs.live_cards(key) for key in running}
        now = self.clock()
        found = [
            (task_id, attempt, Fact(CARDS_FACT, encode_records(list(records)), "json", now))
            for (task_id, attempt), records in cards.items()
            if records and records != self._cards.get((task_id, attempt))
        ]
        self._cards = cards  # ended attempts are forgotten
        return found
