"""Where a task's cards are recorded: the `cards` fact of its attempt, and, while it runs, a
small pointer file per card beside the live logs. Shared by the runtime (which writes them)
and the client (which reads them); plain values and paths, no I/O but the pointer files.

    CardRecord(index=0, type="default", id=None, key="<blake3 hex>", size=11423)

The card's HTML is a blob in the content store under `key`. The fact's value is the JSON list
of the attempt's CardRecords, in decorator order. A running task that calls
`current.card.refresh()` stores each refreshed card as a blob and points to it from
`live_card_path(...)` (local metadata), so a reader sees it before the task ends; the
pointer is removed when the task ends and the fact holds the final card. Where the metadata
store keeps no live files (a service), the task instead prints a `card_signal(record)` line
on its stderr: the runner takes it out of the output (`read_signal`) and sends the attempt's
latest records with its next heartbeat, as the running attempt's `cards` fact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from flowscope.frozen import Frozen, as_dict, init

CARDS_FACT: Final = "cards"
SIGNAL: Final = "\x00flowscope-card\x00"  # starts a card_signal line (never in a task's log)
MAX_SIGNAL_CHARS: Final = 4096  # a longer "signal" is output, not a card


class CardRecord(Frozen):
    """One stored card of a task attempt."""

    __slots__ = ("index", "type", "id", "key", "size", "ok", "updated_at")
    index: int  # its place among the step's @card decorators, top first
    type: str
    id: str | None
    key: str  # the content key of its HTML
    size: int  # bytes of HTML
    ok: bool  # False when it shows a render error instead of what was asked
    updated_at: float

    def __init__(
        self,
        index: int,
        type: str,
        id: str | None,
        key: str,
        size: int,
        ok: bool = True,
        updated_at: float = 0.0,
    ) -> None:
        init(self, "index", index)
        init(self, "type", type)
        init(self, "id", id)
        init(self, "key", key)
        init(self, "size", size)
        init(self, "ok", ok)
        init(self, "updated_at", updated_at)

    @classmethod
    def from_json(cls, data: Any) -> CardRecord | None:
        """A record from its JSON form; None for anything malformed."""
        if not isinstance(data, dict):
            return None
        try:
            index, kind, key, size = data["index"], data["type"], data["key"], data["size"]
            card_id = data.get("id")
            if not (
                isinstance(index, int)
                and isinstance(kind, str)
                and isinstance(key, str)
                and isinstance(size, int)
                and (card_id is None or isinstance(card_id, str))
            ):
                return None
            return cls(
                index,
                kind,
                card_id,
                key,
                size,
                bool(data.get("ok", True)),
                float(data.get("updated_at", 0.0)),
            )
        except (KeyError, TypeError, ValueError):
            return None


def encode_records(records: list[CardRecord]) -> str:
    """The value of the `cards` fact."""
    return json.dumps([as_dict(r) for r in records], separators=(",", ":"))


def decode_records(value: str | None) -> list[CardRecord]:
    """The records in a `cards` fact's value (malformed entries are left out)."""
    if not value:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [r for r in (CardRecord.from_json(item) for item in data) if r is not None]


def live_card_path(
    live_dir: Path, flow_name: str, run_id: int, task_id: int, attempt: int, index: int
) -> Path:
    """The pointer to the latest refreshed card `index` of a running attempt."""
    name = f"{int(task_id)}.{int(attempt)}.card{int(index)}.json"
    return Path(live_dir) / flow_name / str(int(run_id)) / name


def write_pointer(path: Path, record: CardRecord) -> None:
    """Point to `record`, atomically (a reader sees the old pointer or the new one)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(as_dict(record)))
    os.replace(temporary, path)


def read_pointer(path: Path) -> CardRecord | None:
    """The record a pointer file holds; None when there is none (or it is malformed)."""
    try:
        return CardRecord.from_json(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def card_signal(record: CardRecord) -> str:
    """The line (without its newline) a running task prints to tell the runner that card
    `record.index` is now `record`."""
    return SIGNAL + json.dumps(as_dict(record), separators=(",", ":"))


def read_signal(text: str) -> tuple[str, CardRecord | None]:
    """A line of output split into what the task printed before a card signal (all of it
    when there is none) and the signalled record (None when none, or when malformed). A
    signal's key must be a content key: 64 lowercase hex digits."""
    at = text.find(SIGNAL)
    if at < 0 or len(text) - at > MAX_SIGNAL_CHARS:
        return text, None
    try:
        record = CardRecord.from_json(json.loads(text[at + len(SIGNAL) :]))
    except ValueError:
        return text, None
    if record is None or len(record.key) != 64 or record.key.strip("0123456789abcdef"):
        return text, None
    return text[:at], record
