"""The graph check's switch and loop rules (flow/lint_switch.py, run by flow/lint.py)."""

from __future__ import annotations

import pytest

from flowscope.flow import FlowGraph, FlowSpec, check, step
from flowscope.flow.lint import problems

from .shapes import line_of
from .switch_shapes import SWITCH_SHAPES
from .test_lint import assert_problem, lint_error


@pytest.mark.parametrize("flow_cls", SWITCH_SHAPES, ids=lambda c: c.__name__)
def test_valid_switch_shapes_pass(flow_cls: type) -> None:
    check(FlowGraph.from_class(flow_cls))


# -- the call as written ---------------------------------------------------------------------


class MisspeltCaseFlow(FlowSpec):
    @step
    def start(self):
        self.k = "a"
        self.next({"a": self.alpha, "b": self.betta}, condition="k")

    @step
    def alpha(self):
        self.next(self.end)

    @step
    def beta(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_misspelt_case_target_gets_a_did_you_mean() -> None:
    err = lint_error(MisspeltCaseFlow)
    line = line_of(MisspeltCaseFlow, "condition=")
    assert_problem(err, "start", line, "the switch case 'b' names an unknown step 'betta'.")
    assert_problem(err, "start", line, "Did you mean 'beta'?")


class HelperCaseFlow(FlowSpec):
    @step
    def start(self):
        self.k = 1
        self.next({1: self.helper, 2: self.end}, condition="k")

    def helper(self):
        pass

    @step
    def end(self):
        pass


def test_a_case_naming_a_plain_method_says_to_decorate_it() -> None:
    err = lint_error(HelperCaseFlow)
    assert_problem(
        err, "start", line_of(HelperCaseFlow, "condition="), "1 names 'helper', which is not a step"
    )


class NoConditionFlow(FlowSpec):
    @step
    def start(self):
        self.next({"a": self.a, "b": self.end})

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class ConditionWithoutDictFlow(FlowSpec):
    @step
    def start(self):
        self.k = "a"
        self.next(self.a, self.end, condition="k")

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_dict_needs_a_condition_and_a_condition_needs_a_dict() -> None:
    err = lint_error(NoConditionFlow)
    assert_problem(err, "start", line_of(NoConditionFlow, "self.next({"), "needs condition=")
    err = lint_error(ConditionWithoutDictFlow)
    line = line_of(ConditionWithoutDictFlow, "condition=")
    assert_problem(err, "start", line, "condition= needs a dict of cases")
    assert len(err.problems) == 1


class BadKeysFlow(FlowSpec):
    @step
    def start(self):
        key = "a"
        self.k = key
        self.next({key: self.a, "b": self.end, "b": self.a}, condition="k")  # noqa: F601

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_keys_must_be_literals_and_unique() -> None:
    err = lint_error(BadKeysFlow)
    line = line_of(BadKeysFlow, "condition=")
    assert_problem(err, "start", line, "the switch key key is not a literal string")
    assert_problem(err, "start", line, "the switch key 'b' appears twice")


class BadConditionFlow(FlowSpec):
    var = "k"

    @step
    def start(self):
        self.next({"a": self.a, "b": self.end}, condition=self.var)

    @step
    def a(self):
        self.next(self.a2)

    @step
    def a2(self):
        self.next({"x": self.a3, "y": self.a}, condition="next")

    @step
    def a3(self):
        self.next({"x": self.end, "y": self.a}, condition="_fs_values")

    @step
    def end(self):
        pass


def test_the_condition_must_be_a_literal_unreserved_artifact_name() -> None:
    err = lint_error(BadConditionFlow)
    assert_problem(
        err,
        "start",
        line_of(BadConditionFlow, "condition=self.var"),
        "condition=self.var must be a string literal",
    )
    assert_problem(
        err,
        "a2",
        line_of(BadConditionFlow, 'condition="next"'),
        "condition='next' must name an artifact",
    )
    assert_problem(
        err,
        "a3",
        line_of(BadConditionFlow, 'condition="_fs_values"'),
        "condition='_fs_values' must name an artifact",
    )


class OneTargetFlow(FlowSpec):
    @step
    def start(self):
        self.k = "a"
        self.next({"a": self.end, "b": self.end}, condition="k")

    @step
    def end(self):
        pass


class EmptySwitchFlow(FlowSpec):
    @step
    def start(self):
        self.k = "a"
        self.next({}, condition="k")

    @step
    def end(self):
        pass


def test_a_switch_needs_two_different_steps() -> None:
    err = lint_error(OneTargetFlow)
    assert_problem(
        err,
        "start",
        line_of(OneTargetFlow, "condition="),
        "every case of the switch ('a', 'b') goes to 'end'; a switch needs at least two",
    )
    err = lint_error(EmptySwitchFlow)
    assert_problem(err, "start", line_of(EmptySwitchFlow, "condition="), "the switch has no cases")


class SwitchAndForeachFlow(FlowSpec):
    @step
    def start(self):
        self.k = [1]
        self.next({"a": self.a, "b": self.end}, condition="k", foreach="k")

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_switch_cannot_also_be_a_foreach() -> None:
    err = lint_error(SwitchAndForeachFlow)
    assert_problem(
        err, "start", line_of(SwitchAndForeachFlow, "condition="), "cannot also use foreach="
    )


# -- the graph around a switch ---------------------------------------------------------------


class CaseIntoJoinFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.k = "c"
        self.next({"c": self.c, "j": self.join}, condition="k")

    @step
    def c(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_case_cannot_lead_straight_into_a_join() -> None:
    err = lint_error(CaseIntoJoinFlow)
    assert_problem(
        err,
        "b",
        line_of(CaseIntoJoinFlow, "condition="),
        "the switch case 'j' leads straight into the join 'join'",
    )
    assert len(err.problems) == 1


class JoinAfterSwitchFlow(FlowSpec):
    @step
    def start(self):
        self.k = "a"
        self.next({"a": self.a, "b": self.b}, condition="k")

    @step
    def a(self):
        self.next(self.meet)

    @step
    def b(self):
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_where_cases_meet_the_step_takes_no_inputs() -> None:
    err = lint_error(JoinAfterSwitchFlow)
    assert_problem(
        err,
        "meet",
        line_of(JoinAfterSwitchFlow, "def meet"),
        "Write def meet(self) instead (only one case of a switch runs",
    )


class CaseLeavesForeachFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.k = "stay"
        self.next({"stay": self.more, "leave": self.end}, condition="k")

    @step
    def more(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_cases_that_meet_at_different_split_levels_are_refused() -> None:
    err = lint_error(CaseLeavesForeachFlow)
    assert_problem(
        err,
        "end",
        line_of(CaseLeavesForeachFlow, "def end"),
        "the step is reached from work (inside 'start'), join (outside any split)",
    )


class StaticBranchesMeetFlow(FlowSpec):
    @step
    def start(self):
        self.k = "x"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next({"x": self.x, "y": self.meet}, condition="k")

    @step
    def x(self):
        self.next(self.meet)

    @step
    def b(self):
        self.next(self.meet)

    @step
    def meet(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_switch_does_not_excuse_static_branches_meeting_without_a_join() -> None:
    err = lint_error(StaticBranchesMeetFlow)
    assert_problem(err, "meet", line_of(StaticBranchesMeetFlow, "def meet"), "does not take inputs")


# -- loops -----------------------------------------------------------------------------------


class LoopToStartFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.check)

    @step
    def check(self):
        self.k = "done"
        self.next({"again": self.start, "done": self.end}, condition="k")

    @step
    def end(self):
        pass


def test_a_loop_cannot_go_back_to_start() -> None:
    err = lint_error(LoopToStartFlow)
    assert_problem(
        err, "check", line_of(LoopToStartFlow, "condition="), "'again' loops back to 'start'"
    )


class LoopOutOfForeachFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.prepare)

    @step
    def prepare(self):
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.k = "ok"
        self.next({"retry": self.prepare, "ok": self.finish}, condition="k")

    @step
    def finish(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_loop_cannot_leave_its_foreach() -> None:
    err = lint_error(LoopOutOfForeachFlow)
    assert_problem(
        err,
        "work",
        line_of(LoopOutOfForeachFlow, "condition="),
        "'retry' loops back to 'prepare' across the split or foreach at 'prepare'",
    )
    assert len(err.problems) == 1


class LoopAroundForeachFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.fan)

    @step
    def fan(self):
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.k = "done"
        self.next({"again": self.fan, "done": self.end}, condition="k")

    @step
    def end(self):
        pass


def test_a_loop_may_contain_a_whole_foreach() -> None:
    g = FlowGraph.from_class(LoopAroundForeachFlow)
    assert problems(g) == []
    assert g.topology.loops == (("join", "fan"),)
    assert g.looping_steps == {"fan", "work", "join"}


class PlainCycleFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a)

    @step
    def a(self):
        self.k = "b"
        self.next({"b": self.b, "e": self.end}, condition="k")

    @step
    def b(self):
        self.next(self.a)

    @step
    def end(self):
        pass


def test_a_cycle_closed_by_a_plain_step_is_still_an_error() -> None:
    err = lint_error(PlainCycleFlow)
    assert_problem(
        err,
        "b",
        line_of(PlainCycleFlow, "self.next(self.a)", 2),
        "closes a cycle (a -> b -> a); a flow's steps cannot loop, except through a switch",
    )
