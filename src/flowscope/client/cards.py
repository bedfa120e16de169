"""Reading a task's cards: `get_cards(task_or_pathspec, id=None, type=None)`.

    from flowscope.cards import get_cards
    cards = get_cards("TrainFlow/3/train/4")           # or a Task
    cards[0].html                                      # the whole document
    cards                                              # in a notebook: each in a frame
    get_cards(task, id="report")[0].view()             # open it in a browser

A finished attempt's cards are the `cards` fact it recorded (flowscope.cards.records), each
a blob in the content store. A running attempt's cards are those it refreshed so far
(`current.card.refresh()`): at once with local metadata, and as of the last heartbeat
(FLOWSCOPE_HEARTBEAT_INTERVAL) over a service. A task cloned by resume shows the cards of
the task it was cloned from.
"""

from __future__ import annotations

import html as html_text
import tempfile
import webbrowser
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

from flowscope.cards.records import (
    CARDS_FACT,
    CardRecord,
    decode_records,
    live_card_path,
    read_pointer,
)
from flowscope.client.base import FINISHED
from flowscope.client.task import Task
from flowscope.errors import CardError

MAX_FOLLOW = 20  # resumed runs followed back at most this far


class Card:
    """One card of a task: `.html`, `.id`, `.type`, `.pathspec`; `_repr_html_` shows it in a
    sandboxed frame (no script runs in it), `view()` opens it in a browser."""

    def __init__(self, task: Task, record: CardRecord) -> None:
        self._task = task
        self._record = record
        self._html: str | None = None

    @property
    def id(self) -> str | None:
        """The card's `@card(id=...)`, or None."""
        return self._record.id

    @property
    def type(self) -> str:
        """The card's type: "default" or "blank"."""
        return self._record.type

    @property
    def pathspec(self) -> str:
        """The task the card belongs to."""
        return self._task.pathspec

    @property
    def key(self) -> str:
        """The content key of the card's HTML."""
        return self._record.key

    @property
    def ok(self) -> bool:
        """False when the card shows a render error instead of what the step asked for."""
        return self._record.ok

    @property
    def html(self) -> str:
        """The card: one self-contained HTML document."""
        if self._html is None:
            data = self._task._blob(
                self._record.key, f"card {self._record.index} of {self.pathspec}"
            )
            self._html = data.decode("utf-8", "replace")
        return self._html

    def _repr_html_(self) -> str:
        return (
            '<iframe sandbox="" referrerpolicy="no-referrer" '
            'style="width:100%;height:600px;border:1px solid #ddd" '
            f'title="{html_text.escape(self._name(), quote=True)}" '
            f'srcdoc="{html_text.escape(self.html, quote=True)}"></iframe>'
        )

    def view(self, path: str | Path | None = None, open_browser: bool = True) -> Path:
        """Write the card to `path` (a temporary file when None), open it in the default
        browser unless `open_browser` is False, and return the path."""
        if path is None:
            handle = tempfile.NamedTemporaryFile(
                "w", suffix=".html", prefix="flowscope-card-", delete=False, encoding="utf-8"
            )
            with handle:
                handle.write(self.html)
            target = Path(handle.name)
        else:
            target = Path(path)
            target.write_text(self.html, encoding="utf-8")
        if open_browser:
            webbrowser.open(target.resolve().as_uri())
        return target

    def _name(self) -> str:
        label = f"id={self.id!r}" if self.id else f"#{self._record.index}"
        return f"{self.type} card {label} of {self.pathspec}"

    def __repr__(self) -> str:
        return f"<Card {self._name()}>"


class CardContainer(Sequence[Card]):
    """The cards `get_cards` found, in decorator order; shown together in a notebook."""

    def __init__(self, cards: list[Card]) -> None:
        self._cards = cards

    @overload
    def __getitem__(self, index: int) -> Card: ...
    @overload
    def __getitem__(self, index: slice) -> list[Card]: ...
    def __getitem__(self, index: int | slice) -> Card | list[Card]:
        return self._cards[index]

    def __len__(self) -> int:
        return len(self._cards)

    def __iter__(self) -> Iterator[Card]:
        return iter(self._cards)

    def _repr_html_(self) -> str:
        if not self._cards:
            return "<p>No cards.</p>"
        return "".join(card._repr_html_() for card in self._cards)

    def __repr__(self) -> str:
        return f"<CardContainer of {len(self._cards)} card(s)>"


def _task(task_or_pathspec: Task | str) -> Task:
    if isinstance(task_or_pathspec, Task):
        return task_or_pathspec
    if isinstance(task_or_pathspec, str):
        return Task(task_or_pathspec)
    raise CardError(
        f"get_cards takes a Task or a task pathspec 'Flow/run/step/task', not "
        f"{type(task_or_pathspec).__name__}"
    )


def _live_records(task: Task) -> list[CardRecord]:
    """The cards a running attempt refreshed so far: the `cards` fact its heartbeats set (a
    service, or a local store without live files), updated by the pointer files beside the
    live logs (local metadata, written at once)."""
    found = {r.index: r for r in decode_records(task.metadata_dict.get(CARDS_FACT))}
    live_dir = task._provider.live_log_dir()
    if live_dir is not None:
        flow, run_id, _, task_id = task.path_components
        attempt = task.current_attempt
        folder = live_card_path(live_dir, flow, int(run_id), int(task_id), attempt, 0).parent
        for path in sorted(folder.glob(f"{int(task_id)}.{attempt}.card*.json")):
            record = read_pointer(path)
            if record is not None:
                found[record.index] = record
    return [found[index] for index in sorted(found)]


def task_card_records(task: Task) -> tuple[Task, list[CardRecord]]:
    """The task whose cards these are (the origin, for a task cloned by resume) and its
    card records."""
    for _ in range(MAX_FOLLOW):
        if task.status not in FINISHED:
            return task, _live_records(task)
        records = decode_records(task.metadata_dict.get(CARDS_FACT))
        origin = task.origin_pathspec
        if records or origin is None:
            return task, records
        task = Task(origin)
    return task, []


def get_cards(
    task_or_pathspec: Task | str,
    id: str | None = None,
    type: str | None = None,
    follow_resumed: bool = True,
) -> CardContainer:
    """The cards of a task (a Task or 'Flow/run/step/task'), only those with `id` and/or of
    `type` when given. A task cloned by resume shows its origin's cards (unless
    `follow_resumed` is False). No card matching: an empty container."""
    task = _task(task_or_pathspec)
    if follow_resumed:
        owner, records = task_card_records(task)
    elif task.status in FINISHED:
        owner, records = task, decode_records(task.metadata_dict.get(CARDS_FACT))
    else:
        owner, records = task, _live_records(task)
    chosen = [
        Card(owner, r)
        for r in records
        if (id is None or r.id == id) and (type is None or r.type == type)
    ]
    return CardContainer(chosen)
