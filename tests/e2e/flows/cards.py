"""Cards end to end: a default and a blank card on one step, a card per foreach item, a card
whose component raises, and one that outlives its timeout."""

import time

from flowscope import FlowSpec, Parameter, card, current, step
from flowscope.cards import Markdown, MetaflowCardComponent, Table


class Broken(MetaflowCardComponent):
    def render(self):
        raise RuntimeError("this component always fails")


class Slow(MetaflowCardComponent):
    def render(self):
        time.sleep(60)
        return "<p>late</p>"


class CardsFlow(FlowSpec):
    n = Parameter("n", default=3)

    @card
    @card(type="blank", id="report", options={"title": "Weekly report"})
    @step
    def start(self):
        self.items = list(range(self.n))
        self.note = "<script>alert('x')</script>"
        print("start printed this")
        current.card.append(Markdown("# Start <script>alert(1)</script>"))
        current.card["report"].append(Table([[1, "one"], [2, "two"]], headers=["n", "name"]))
        self.next(self.item, foreach="items")

    @card(type="blank")
    @step
    def item(self):
        self.square = self.input * self.input
        current.card.append(Markdown(f"item {self.input} squared is {self.square}"))
        self.next(self.join)

    @card(type="blank", id="broken", timeout=1)
    @step
    def join(self, inputs):
        self.total = sum(i.square for i in inputs)
        current.card["broken"].append(Markdown(f"total {self.total}"))
        current.card["broken"].append(Broken())
        self.next(self.end)

    @card(timeout=1)
    @step
    def end(self):
        current.card.append(Slow())
        print("done", self.total)


if __name__ == "__main__":
    CardsFlow()
