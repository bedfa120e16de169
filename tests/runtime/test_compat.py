"""Regression tests for the family's behaviours the runtime got wrong (issue 11, items 2-5),
driven through the real RunDriver over a local store."""

from __future__ import annotations

from pathlib import Path

from flowscope import FlowSpec, step

from .support import run_flow
from .test_runner import artifacts


class InputLaterFlow(FlowSpec):
    @step
    def start(self):
        self.items = ["a", "b", "c"]
        self.next(self.first, foreach="items")

    @step
    def first(self):
        self.at_first = self.input
        self.next(self.second)

    @step
    def second(self):
        self.at_second = self.input
        self.next(self.third, self.fourth)

    @step
    def third(self):
        self.at_third = self.input
        self.next(self.branches)

    @step
    def fourth(self):
        self.at_fourth = self.input
        self.next(self.branches)

    @step
    def branches(self, inputs):
        self.merge_artifacts(inputs)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen = [(i.at_first, i.at_second, i.at_third, i.at_fourth) for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


def test_self_input_stays_readable_in_every_later_step_of_the_foreach_body(tmp_path: Path):
    result, provider, output = run_flow(InputLaterFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    (join,) = artifacts(provider, "InputLaterFlow", result.run_id, "join")
    assert join["seen"] == [(x, x, x, x) for x in "abc"]
