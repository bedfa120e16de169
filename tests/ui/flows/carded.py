"""A flow with cards whose content is hostile: markup a card must show as text, or run
nothing of, inside the UI's sandboxed frame."""

from flowscope import FlowSpec, card, current, step
from flowscope.cards import Markdown, Table


class CardedFlow(FlowSpec):
    @card(type="blank", id="hostile")
    @card(type="blank")
    @step
    def start(self):
        current.card["hostile"].append(
            Markdown(
                "# Carded <script>window.top.__pwned = 7; alert(7)</script>"
                '<img src=x onerror="window.top.__pwned = 8; alert(8)">'
            )
        )
        current.card["hostile"].append(Table([[1, "<b>one</b>"]], headers=["n", "name"]))
        current.card.append(Markdown("plain card text"))
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    CardedFlow()
