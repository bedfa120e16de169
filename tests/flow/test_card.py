"""@card: checked when the class is defined, several per step, read back as CardSpecs."""

from __future__ import annotations

import pytest

from flowscope import FlowSpec, card, current, step
from flowscope.errors import FlowDefinitionError
from flowscope.flow.card import CardDecorator, step_cards


class Cards(FlowSpec):
    @card
    @card(type="blank", id="report", options={"title": "T"}, timeout=5)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_cards_are_read_top_first_with_the_default_timeout_filled_in() -> None:
    first, second = step_cards(Cards, "start", default_timeout=12)
    assert (first.type, first.id, first.timeout) == ("default", None, 12)
    assert (second.type, second.id, dict(second.options), second.timeout) == (
        "blank",
        "report",
        {"title": "T"},
        5,
    )
    assert step_cards(Cards, "end") == []
    assert step_cards(Cards, "start")[0].timeout == 45  # the family's default


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"type": "defualt"}, "did you mean 'default'"),
        ({"type": "html"}, "unknown card type 'html'"),
        ({"id": "has space"}, "card id 'has space'"),
        ({"options": ["x"]}, "options must be a dict"),
        ({"timeout": -1}, "positive number of seconds"),
        ({"timeout": True}, "positive number of seconds"),
    ],
)
def test_a_bad_card_fails_at_class_definition_naming_the_step(kwargs, message) -> None:
    with pytest.raises(FlowDefinitionError, match=message) as caught:

        class Bad(FlowSpec):
            @card(**kwargs)
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass

    assert "@card on step 'start'" in str(caught.value)


def test_two_cards_may_not_share_an_id_but_may_both_have_none() -> None:
    with pytest.raises(FlowDefinitionError, match="have the id 'a'"):

        @card(id="a")
        @card(id="a")
        @step
        def start(self):
            pass

    @card
    @card(type="blank")
    @step
    def fine(self):
        pass

    assert [d.type for d in fine.decorators if isinstance(d, CardDecorator)] == [
        "blank",
        "default",
    ]


def test_card_goes_above_step() -> None:
    with pytest.raises(FlowDefinitionError, match="Step decorators go above @step"):

        @card
        def start(self):
            pass


def test_card_takes_keyword_arguments_only() -> None:
    with pytest.raises(FlowDefinitionError, match="keyword arguments only"):
        card("default")  # type: ignore[call-overload]


def test_current_card_is_none_outside_a_task() -> None:
    assert current.card is None


def test_attributes_show_what_was_asked() -> None:
    (deco,) = [d for d in Cards.start.decorators if d.id == "report"]
    assert deco.attributes() == {
        "type": "blank",
        "id": "report",
        "options": {"title": "T"},
        "timeout": 5,
    }
    assert repr(deco).startswith("card(type='blank'")
