"""A step's source, parsed once per class (flow/static.py): its self.next call and signature,
and the runner's warm-up before forking."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowSpec, step
from flowscope.flow.static import static_of, warm_static

from .shapes import BranchFlow, ForeachFlow


def test_a_steps_next_call_and_signature() -> None:
    call, sig = static_of(ForeachFlow, "start")
    assert call is not None and (call.targets, call.foreach) == (("work",), "items")
    assert not sig.takes_inputs
    call, sig = static_of(BranchFlow, "join")
    assert call is not None and call.targets == ("end",) and sig.takes_inputs
    end_call, _ = static_of(BranchFlow, "end")
    assert end_call is None


def test_a_step_is_parsed_once_per_class() -> None:
    class OnceFlow(FlowSpec):
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass

    before = static_of.cache_info()
    first = static_of(OnceFlow, "start")
    assert static_of(OnceFlow, "start") is first
    after = static_of.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


def test_warm_static_parses_every_step_up_front() -> None:
    class WarmFlow(FlowSpec):
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass

    warm_static(WarmFlow, ["start", "end"])
    before = static_of.cache_info()
    static_of(WarmFlow, "start")
    static_of(WarmFlow, "end")
    after = static_of.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (0, 2)


def test_an_unknown_step_is_an_error_naming_the_flow() -> None:
    with pytest.raises(FlowDefinitionError, match="BranchFlow has no step 'nope'"):
        static_of(BranchFlow, "nope")
    with pytest.raises(FlowDefinitionError, match="BranchFlow has no step '_fs_label'"):
        static_of(BranchFlow, "_fs_label")
    with pytest.raises(FlowDefinitionError, match="has no step 'nope'"):
        warm_static(BranchFlow, ["start", "nope"])
