"""`current.card`: the components a running step adds to its cards.

    @card(type="blank", id="report")
    @card
    @step
    def train(self):
        current.card.append(Markdown("# Training"))       # the default editable card
        current.card["report"].append(ProgressBar(max=10), id="bar")
        current.card["report"].components["bar"].update(3)
        current.card.refresh()                            # re-render while the task runs

One CardBuilder per task attempt, holding one CardComponents per `@card` of the step, in
decorator order. `append`, `extend`, `clear`, `components` and `refresh` on the builder act
on the *default editable* card, chosen as in the family: the only card, else the only one
without an id; when that is ambiguous (or the step has no card) the call does nothing and
`warn` says why (the task's log). `current.card["id"]` reaches a card by id; an unknown id
gives a card that accepts and drops components, with a warning, so a typo never fails the
step.

`refresh` calls the `refresher` the runtime injects (a callable given the CardComponents to
re-render and store); without one it does nothing. Rendering itself is `render_card` in
cards/types.py, which never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flowscope.cards.component import MetaflowCardComponent
from flowscope.cards.types import CardSpec
from flowscope.errors import CardError

Refresher = Callable[["CardComponents", bool], None]
Warn = Callable[[str], None]
_COMPONENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


def _ignore(message: str) -> None:
    return None


class CardComponents:
    """The components of one card, in the order they were added."""

    def __init__(
        self,
        spec: CardSpec,
        refresher: Refresher | None = None,
        warn: Warn = _ignore,
        *,
        missing: str | None = None,
    ) -> None:
        self.spec = spec
        self._refresher = refresher
        self._warn = warn
        self._missing = missing  # the id asked for, when no card has it: components are dropped
        self._items: list[MetaflowCardComponent] = []
        self._by_id: dict[str, MetaflowCardComponent] = {}
        self.version = 0  # bumped by every change of the list, so a refresher can skip work

    def append(self, component: MetaflowCardComponent, id: str | None = None) -> None:
        """Add `component` (under `id`, to reach it later through `components[id]`)."""
        if self._missing is not None:
            self._warn(f"the step has no card {self._missing!r}; the component was dropped")
            return
        if not isinstance(component, MetaflowCardComponent):
            self._warn(f"not a card component: {type(component).__name__}; it was dropped")
            return
        if id is not None:
            if not isinstance(id, str) or not _COMPONENT_ID.fullmatch(id):
                self._warn(f"component id {id!r} is not usable (letters, digits, _.:-); dropped")
                return
            if id in self._by_id:
                self._warn(f"component id {id!r} was used already; the earlier one is replaced")
                self._items.remove(self._by_id[id])
            component.component_id = id
            self._by_id[id] = component
        self._items.append(component)
        self.version += 1

    def extend(self, components: Iterable[MetaflowCardComponent]) -> None:
        """Add several components."""
        for component in components:
            self.append(component)

    def clear(self) -> None:
        """Remove every component."""
        self._items.clear()
        self._by_id.clear()
        self.version += 1

    @property
    def components(self) -> Mapping[str, MetaflowCardComponent]:
        """The components that were appended with an id, by id."""
        return dict(self._by_id)

    def refresh(self, data: Any = None, force: bool = False) -> None:
        """Re-render this card now (the runtime decides how often it really writes)."""
        if self._refresher is not None and self._missing is None:
            self._refresher(self, force)

    def __iter__(self) -> Iterator[MetaflowCardComponent]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


class CardBuilder:
    """`current.card` for one task attempt: every card of the step (see the module doc)."""

    def __init__(
        self,
        specs: Iterable[CardSpec],
        refresher: Refresher | None = None,
        warn: Warn = _ignore,
    ) -> None:
        self._warn = warn
        self._cards = [CardComponents(s, refresher, warn) for s in specs]
        ids = [c.spec.id for c in self._cards if c.spec.id is not None]
        if len(ids) != len(set(ids)):
            raise CardError(f"two @card decorators on one step share an id: {sorted(ids)}")
        self._default = self._default_editable()

    def _default_editable(self) -> CardComponents | None:
        if len(self._cards) == 1:
            return self._cards[0]
        without_id = [c for c in self._cards if c.spec.id is None]
        return without_id[0] if len(without_id) == 1 else None

    @property
    def cards(self) -> list[CardComponents]:
        """Every card of the step, in decorator order."""
        return list(self._cards)

    def _target(self) -> CardComponents | None:
        if self._default is None:
            why = (
                "the step has no @card"
                if not self._cards
                else ("the step has several cards and none is the default; use current.card['id']")
            )
            self._warn(f"current.card: {why}")
        return self._default

    def append(self, component: MetaflowCardComponent, id: str | None = None) -> None:
        """Add a component to the default editable card."""
        target = self._target()
        if target is not None:
            target.append(component, id=id)

    def extend(self, components: Iterable[MetaflowCardComponent]) -> None:
        """Add several components to the default editable card."""
        target = self._target()
        if target is not None:
            target.extend(components)

    def clear(self) -> None:
        """Remove the default editable card's components."""
        target = self._target()
        if target is not None:
            target.clear()

    @property
    def components(self) -> Mapping[str, MetaflowCardComponent]:
        """The default editable card's components that have an id, by id."""
        target = self._target()
        return target.components if target is not None else {}

    def refresh(self, data: Any = None, force: bool = False) -> None:
        """Re-render the default editable card (through the runtime's refresher)."""
        target = self._target()
        if target is not None:
            target.refresh(data, force)

    def get(self, type: str | None = None) -> list[list[MetaflowCardComponent]]:
        """The component lists of the cards of `type` (every card when None)."""
        return [list(c) for c in self._cards if type is None or c.spec.type == type]

    def __getitem__(self, card_id: str) -> CardComponents:
        for card in self._cards:
            if card.spec.id == card_id:
                return card
        self._warn(f"current.card[{card_id!r}]: the step has no card with that id")
        return CardComponents(CardSpec(type="blank"), warn=self._warn, missing=str(card_id))

    def __setitem__(self, card_id: str, components: Iterable[MetaflowCardComponent]) -> None:
        card = self[card_id]
        card.clear()
        card.extend(components)

    def __iter__(self) -> Iterator[CardComponents]:
        return iter(list(self._cards))
