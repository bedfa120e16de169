"""Resume finds what an earlier run finished and clones it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from flowscope import FlowSpec, step
from flowscope.errors import RunError
from flowscope.flow import FlowGraph
from flowscope.runtime.resume import ResumePlan, case_facts, recorded_case, rerun_steps
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
    clone, count, case = plan.clone(98, outer)
    assert count == 3 and case is None and clone.task_id == 98 and clone.status == "succeeded"
    facts = {f.field: f.value for f in clone.facts}
    assert facts == {"origin-pathspec": outer.pathspec, "foreach-count": "3"}
    assert {a.name for a in clone.artifacts} >= {"xs", "ys"}


def test_resuming_a_run_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    _, provider, _ = run_flow(FlakyFlow, tmp_path / ".flowscope")
    with pytest.raises(RunError, match="Run\\('FlakyFlow/7'\\) does not exist"):
        ResumePlan(provider, "FlakyFlow", 7)


class LoopFlow(FlowSpec):
    """spin runs 3 times; with LOOP_FAIL set, its second pass fails."""

    @step
    def start(self):
        self.count = 0
        self.next(self.spin)

    @step
    def spin(self):
        self.count += 1
        if self.count == 2 and os.environ.get("LOOP_FAIL"):
            raise RuntimeError("second pass fails")
        self.more = self.count < 3
        self.next({True: self.spin, False: self.end}, condition="more")

    @step
    def end(self):
        self.final = self.count


def _tasks(provider, run_id: int) -> list[tuple[str, str | None]]:
    return [
        (t.step_name, t.origin_pathspec)
        for t in sorted(provider.list_tasks("LoopFlow", run_id), key=lambda t: t.task_id)
        if t.step_name != "_parameters"
    ]


def test_resume_clones_the_passes_of_a_loop_up_to_the_failure(tmp_path: Path, monkeypatch):
    root = tmp_path / ".flowscope"
    monkeypatch.setenv("LOOP_FAIL", "1")
    failed, provider, _ = run_flow(LoopFlow, root)
    assert failed.status == "failed"
    origin = _tasks(provider, failed.run_id)
    assert [step for step, _ in origin] == ["start", "spin", "spin"]
    first_spin = provider.list_tasks("LoopFlow", failed.run_id, "spin")[0]
    facts = provider.list_facts("LoopFlow", failed.run_id, first_spin.task_id, 0)
    assert recorded_case(facts) is True  # the case it chose, typed
    monkeypatch.delenv("LOOP_FAIL")
    plan = ResumePlan(provider, "LoopFlow", failed.run_id)
    resumed, provider, out = run_flow(LoopFlow, root, resume=plan)
    assert resumed.status == "succeeded", out
    tasks = _tasks(provider, resumed.run_id)
    assert [step for step, _ in tasks] == ["start", "spin", "spin", "spin", "end"]
    base = f"LoopFlow/{failed.run_id}"
    # start and the first pass are clones; the failed pass and everything after run again
    assert [o for _, o in tasks] == [
        f"{base}/start/{provider.list_tasks('LoopFlow', failed.run_id, 'start')[0].task_id}",
        f"{base}/spin/{first_spin.task_id}",
        None,
        None,
        None,
    ]
    cloned = provider.list_tasks("LoopFlow", resumed.run_id, "spin")[0]
    again = provider.list_facts("LoopFlow", resumed.run_id, cloned.task_id, 0)
    assert recorded_case(again) is True  # a resume of this resume can clone it too


def test_resume_from_a_step_runs_it_and_what_follows_again(tmp_path: Path):
    root = tmp_path / ".flowscope"
    done, provider, _ = run_flow(LoopFlow, root)
    assert done.status == "succeeded"
    graph = FlowGraph.from_class(LoopFlow)
    assert rerun_steps(graph, "spin") == {"spin", "end"}
    assert rerun_steps(graph, "end") == {"end"}
    plan = ResumePlan(provider, "LoopFlow", done.run_id, rerun=rerun_steps(graph, "spin"))
    resumed, provider, _ = run_flow(LoopFlow, root, resume=plan)
    assert resumed.status == "succeeded"
    origins = [o for _, o in _tasks(provider, resumed.run_id)]
    assert origins[0] is not None and origins[1:] == [None] * 4
    with pytest.raises(
        RunError, match="step 'spinn': LoopFlow has no such step. Did you mean 'spin'"
    ):
        rerun_steps(graph, "spinn")


def test_a_switch_whose_recorded_case_is_gone_is_not_cloned(tmp_path: Path):
    done, provider, _ = run_flow(LoopFlow, tmp_path / ".flowscope")
    plan = ResumePlan(provider, "LoopFlow", done.run_id)
    node = FlowGraph.from_class(LoopFlow)["spin"]
    origin = provider.list_tasks("LoopFlow", done.run_id, "spin")[0]
    kept = plan.clone(50, origin, node)
    assert kept is not None and kept[2] is True
    changed = replace(node, switch_cases=((1, "spin"), (0, "end")))  # True is no longer a key
    assert plan.clone(50, origin, changed) is None


def test_a_recorded_case_keeps_its_type():
    for key in (True, False, 1, 0, "1", "True", "fast"):
        (fact,) = case_facts(key)
        back = recorded_case([fact])
        assert back == key and type(back) is type(key)
    assert case_facts(None) == () and recorded_case([]) is None
