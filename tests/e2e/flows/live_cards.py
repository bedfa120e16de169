"""A card refreshed while its task runs: "phase one", then "phase two" once the file `go`
exists, then "phase final" once `finish` exists (so a test can read each phase in turn)."""

import time
from pathlib import Path

from flowscope import FlowSpec, card, current, step
from flowscope.cards import Markdown


def wait_for(name):
    deadline = time.time() + 120
    while not Path(name).exists():
        if time.time() > deadline:
            raise TimeoutError(name)
        time.sleep(0.05)


class LiveCardsFlow(FlowSpec):
    @card(type="blank", id="live")
    @step
    def start(self):
        text = Markdown("phase one <script>window.__ran = 1</script>")
        current.card.append(text)
        current.card.refresh(force=True)
        print("after the first refresh")
        wait_for("go")
        text.update("phase two")
        current.card.refresh(force=True)
        wait_for("finish")
        text.update("phase final")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    LiveCardsFlow()
