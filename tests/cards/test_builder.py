"""`current.card`: the default editable card, cards by id, component ids, refresh."""

from __future__ import annotations

import pytest

from flowscope.cards.builder import CardBuilder, CardComponents
from flowscope.cards.markdown import Markdown
from flowscope.cards.types import CardSpec
from flowscope.cards.widgets import ProgressBar
from flowscope.errors import CardError


def _builder(*specs: CardSpec) -> tuple[CardBuilder, list[str], list[tuple[CardComponents, bool]]]:
    warnings: list[str] = []
    refreshed: list[tuple[CardComponents, bool]] = []
    builder = CardBuilder(
        specs, refresher=lambda c, f: refreshed.append((c, f)), warn=warnings.append
    )
    return builder, warnings, refreshed


def test_one_card_is_the_default_editable_one() -> None:
    builder, warnings, _ = _builder(CardSpec(id="only"))
    m = Markdown("a")
    builder.append(m)
    builder.extend([Markdown("b"), Markdown("c")])
    assert len(builder["only"]) == 3 and list(builder["only"])[0] is m and not warnings
    builder.clear()
    assert len(builder["only"]) == 0


def test_with_several_cards_the_one_without_an_id_is_the_default() -> None:
    builder, warnings, _ = _builder(CardSpec(type="blank", id="report"), CardSpec())
    builder.append(Markdown("to default"))
    builder["report"].append(Markdown("to report"))
    assert [len(c) for c in builder.cards] == [1, 1] and not warnings
    assert builder.get(type="blank") == [list(builder["report"])]
    assert len(builder.get()) == 2


def test_an_ambiguous_default_or_no_card_warns_and_does_nothing() -> None:
    builder, warnings, refreshed = _builder(CardSpec(id="a"), CardSpec(id="b"))
    builder.append(Markdown("x"))
    builder.refresh()
    assert builder.components == {}
    assert all(len(c) == 0 for c in builder.cards) and not refreshed
    assert "none is the default" in warnings[0]
    empty, warnings, _ = _builder()
    empty.append(Markdown("x"))
    assert warnings == ["current.card: the step has no @card"]


def test_an_unknown_card_id_drops_components_with_a_warning() -> None:
    builder, warnings, refreshed = _builder(CardSpec(id="a"))
    builder["typo"].append(Markdown("lost"))
    builder["typo"].refresh()
    assert len(builder["a"]) == 0 and not refreshed
    assert any("no card 'typo'" in w for w in warnings)


def test_component_ids_reach_components_and_replace_earlier_ones() -> None:
    builder, warnings, _ = _builder(CardSpec())
    bar = ProgressBar(max=10)
    builder.append(bar, id="bar")
    assert builder.components["bar"] is bar and bar.component_id == "bar"
    builder.components["bar"].update(4)
    newer = ProgressBar(max=5)
    builder.append(newer, id="bar")
    assert list(builder.cards[0]) == [newer] and "used already" in warnings[-1]
    builder.append(Markdown("x"), id="bad id!")
    assert len(builder.cards[0]) == 1 and "not usable" in warnings[-1]


def test_things_that_are_not_components_are_dropped_with_a_warning() -> None:
    builder, warnings, _ = _builder(CardSpec())
    builder.append("text")  # type: ignore[arg-type]
    assert len(builder.cards[0]) == 0 and "not a card component: str" in warnings[0]


def test_setitem_replaces_a_cards_components() -> None:
    builder, _, _ = _builder(CardSpec(id="a"))
    builder.append(Markdown("old"))
    builder["a"] = [Markdown("new1"), Markdown("new2")]
    assert len(builder["a"]) == 2


def test_refresh_calls_the_injected_refresher_with_the_card() -> None:
    builder, _, refreshed = _builder(CardSpec(type="blank", id="live"), CardSpec())
    builder["live"].refresh(force=True)
    builder.refresh()
    assert [(c.spec.id, f) for c, f in refreshed] == [("live", True), (None, False)]
    silent = CardBuilder([CardSpec()])
    silent.refresh()  # no refresher injected: nothing happens


def test_the_version_counts_changes_so_a_refresher_can_skip_unchanged_cards() -> None:
    builder, _, _ = _builder(CardSpec())
    card = builder.cards[0]
    start = card.version
    builder.append(Markdown("x"))
    builder.clear()
    assert card.version == start + 2


def test_two_cards_with_one_id_are_refused() -> None:
    with pytest.raises(CardError, match="share an id"):
        CardBuilder([CardSpec(id="x"), CardSpec(type="blank", id="x")])
