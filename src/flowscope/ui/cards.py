"""A task's cards on the task page: found by the client (`flowscope.client.cards.get_cards`,
so a task cloned by resume shows its origin's), each shown in a sandboxed frame.

The frame (`sandbox` with no allow flags: no script, an opaque origin) loads the card's HTML
from `BASE/-/card/FLOW/RUN/STEP/TASK/INDEX`, served with its own strict policy (`CARD_CSP`:
nothing loads but inline style and data: images, and the document is sandboxed even when it
is opened on its own). Only the card shown is read; the task page reads the records only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowscope.errors import FlowscopeError, ObjectNotFound

if TYPE_CHECKING:
    from flowscope.client.cards import Card
    from flowscope.stores import Stores

CARD_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox"
)
MAX_CARDS = 100


@dataclass(frozen=True)
class CardView:
    index: int  # its place in the task's list: the frame's address
    type: str
    id: str | None
    ok: bool
    size: int


def _cards(stores: Stores, flow: str, run_id: int, step: str, task_id: int) -> list[Card]:
    from flowscope.client import Task
    from flowscope.client.cards import get_cards

    task = Task._make(stores.provider, None, (flow, str(run_id), step, str(task_id)))
    return list(get_cards(task))[:MAX_CARDS]


def task_cards(
    stores: Stores, flow: str, run_id: int, step: str, task_id: int
) -> tuple[list[CardView], str | None]:
    """The task's cards, and a note when they cannot be read."""
    try:
        found = _cards(stores, flow, run_id, step, task_id)
    except FlowscopeError as exc:
        return [], f"The cards cannot be read: {exc}"
    views = [
        CardView(i, card.type, card.id, card.ok, card._record.size) for i, card in enumerate(found)
    ]
    return views, None


def card_html(stores: Stores, flow: str, run_id: int, step: str, task_id: int, index: int) -> str:
    found = _cards(stores, flow, run_id, step, task_id)
    if not 0 <= index < len(found):
        raise ObjectNotFound(
            f"Task('{flow}/{run_id}/{step}/{task_id}') has no card {index} ({len(found)} recorded)."
        )
    return found[index].html
