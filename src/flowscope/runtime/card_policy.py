"""What a run's cards need before any card exists: the settings they follow, and the two
entry points the runner and each task call whether or not the flow has a card.

A flow without `@card` never loads `flowscope.runtime.cards` (the renderer's side of a task):
`warm_cards` and `begin_cards` look at the steps' decorators first and import it only for a
step that has a card. A flow with cards loads it in the runner (`warm_cards`), before any
task forks, so no task pays for the import.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from flowscope.flow.card import step_cards
from flowscope.frozen import Frozen, init

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.runtime.cards import TaskCards
    from flowscope.runtime.spec import StepRules, TaskSpec
    from flowscope.runtime.task import RunWork


class CardPolicy(Frozen):
    """What the run's settings ask of cards (see flowscope.config), and the live directory of
    the metadata store (None for a service: refreshed cards then travel with heartbeats)."""

    __slots__ = ("timeout", "max_bytes", "refresh_interval", "live_dir")
    timeout: float
    max_bytes: int
    refresh_interval: float
    live_dir: str | None

    def __init__(
        self,
        timeout: float = 45.0,
        max_bytes: int = 16 * 1024 * 1024,
        refresh_interval: float = 1.0,
        live_dir: str | None = None,
    ) -> None:
        init(self, "timeout", timeout)
        init(self, "max_bytes", max_bytes)
        init(self, "refresh_interval", refresh_interval)
        init(self, "live_dir", live_dir)

    @classmethod
    def of(cls, settings: Settings, live_dir: Path | None) -> CardPolicy:
        return cls(
            settings.card_timeout,
            int(settings.card_max_mb * 1024 * 1024),
            settings.card_refresh_interval,
            None if live_dir is None else str(live_dir),
        )


def has_cards(flow_cls: type, step: str) -> bool:
    """Whether `step` has a @card (True too when its cards cannot even be read: the task's
    cards then say why, as `TaskCards.begin` does)."""
    try:
        return bool(step_cards(flow_cls, step))
    except Exception:
        return True


def warm_cards(flow_cls: type, rules: Mapping[str, StepRules]) -> None:
    """In the runner: for a flow with a @card, load the renderer before tasks fork (see
    `flowscope.runtime.cards.warm_cards`); nothing, and no import, for a flow without."""
    if any(not step.startswith("_") and has_cards(flow_cls, step) for step in rules):
        from flowscope.runtime import cards

        cards.warm_cards(flow_cls, rules)


def begin_cards(work: RunWork, spec: TaskSpec) -> TaskCards | None:
    """In a task: bind `current.card` for a step with cards (`TaskCards.begin`); None for a
    step without, with nothing imported."""
    if not has_cards(work.flow_cls, spec.step):
        return None
    from flowscope.runtime.cards import TaskCards

    return TaskCards.begin(work, spec)
