"""Resume finds what an earlier run finished and clones it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.errors import RunError
from flowscope.runtime.resume import ResumePlan
from flowscope.runtime.spec import Frame, TaskSpec

from .support import FlakyFlow, NestedFlow, run_flow


def test_a_plan_finds_succeeded_tasks_by_their_place_in_the_graph(tmp_path: Path) -> None:
    result, provider, _ = run_flow(NestedFlow, tmp_path / ".flowscope")
    plan = ResumePlan(provider, "NestedFlow", result.run_id)
    assert plan.origin_status == "succeeded" and plan.parameters == {}
    frames = (Frame("start", 1, 2, True, "xs"), Frame("outer", 2, 3, True, "ys"))
    origin = plan.find(TaskSpec(99, "inner", frames, ()))
    assert origin is not None and origin.step_name == "inner"
    assert plan.origin_pathspec(TaskSpec(99, "inner", frames, ()), inputs_cloned=False) is None
    outer = plan.find(TaskSpec(98, "outer", frames[:1], ()))
    assert outer is not None
    clone, count = plan.clone(98, outer)
    assert count == 3 and clone.task_id == 98 and clone.status == "succeeded"
    facts = {f.field: f.value for f in clone.facts}
    assert facts == {"origin-pathspec": outer.pathspec, "foreach-count": "3"}
    assert {a.name for a in clone.artifacts} >= {"xs", "ys"}


def test_resuming_a_run_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    _, provider, _ = run_flow(FlakyFlow, tmp_path / ".flowscope")
    with pytest.raises(RunError, match="Run\\('FlakyFlow/7'\\) does not exist"):
        ResumePlan(provider, "FlakyFlow", 7)
