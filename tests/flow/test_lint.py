"""The graph check: every problem names its step and line, all reported in one GraphError."""

from __future__ import annotations

import pytest

from flowscope.errors import GraphError
from flowscope.flow import FlowGraph, FlowSpec, Parameter, catch, check, step
from flowscope.flow.lint import problems

from .shapes import VALID_SHAPES, line_of


def lint_error(flow_cls: type) -> GraphError:
    with pytest.raises(GraphError) as info:
        check(FlowGraph.from_class(flow_cls))
    return info.value


def assert_problem(err: GraphError, step: str | None, line: int, fragment: str) -> None:
    """One problem has this step, line and message fragment, and the message shows them."""
    hits = [p for p in err.problems if p.step == step and p.line == line and fragment in p.message]
    assert hits, f"no problem ({step!r}, {line}, {fragment!r}) in:\n{err}"
    where = f"step '{step}', line {line}" if step else f"line {line}"
    assert f"{where}: " in str(err)


@pytest.mark.parametrize("flow_cls", VALID_SHAPES, ids=lambda c: c.__name__)
def test_valid_shapes_pass(flow_cls: type) -> None:
    check(FlowGraph.from_class(flow_cls))
    assert problems(FlowGraph.from_class(flow_cls)) == []


# -- start and end ---------------------------------------------------------------------------


class NoStartFlow(FlowSpec):
    @step
    def begin(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class NoEndFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.finish)

    @step
    def finish(self):
        self.next(self.start)


def test_missing_start_names_the_class_line() -> None:
    err = lint_error(NoStartFlow)
    assert_problem(err, None, line_of(NoStartFlow, "class NoStartFlow"), "no 'start' step")


def test_missing_end() -> None:
    err = lint_error(NoEndFlow)
    assert_problem(err, None, line_of(NoEndFlow, "class NoEndFlow"), "no 'end' step")


class StartTakesInputsFlow(FlowSpec):
    @step
    def start(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_start_taking_inputs() -> None:
    err = lint_error(StartTakesInputsFlow)
    assert_problem(err, "start", line_of(StartTakesInputsFlow, "def start"), "'start' takes inputs")


class EndWithNextFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        self.next(self.start)


def test_end_with_next() -> None:
    err = lint_error(EndWithNextFlow)
    line = line_of(EndWithNextFlow, "self.next(self.start)")
    assert_problem(err, "end", line, "cannot call self.next")


# -- self.next -------------------------------------------------------------------------------


class MissingNextFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.middle)

    @step
    def middle(self):
        self.x = 1

    @step
    def end(self):
        pass


def test_step_without_next_and_the_unreachable_end() -> None:
    err = lint_error(MissingNextFlow)
    assert_problem(err, "middle", line_of(MissingNextFlow, "def middle"), "never calls self.next")
    assert_problem(err, "end", line_of(MissingNextFlow, "def end"), "never reached from 'start'")


class UnknownTargetFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.ned)

    @step
    def end(self):
        pass


def test_unknown_target_suggests_a_name() -> None:
    err = lint_error(UnknownTargetFlow)
    line = line_of(UnknownTargetFlow, "self.next(self.ned)")
    assert_problem(err, "start", line, "unknown step 'ned'. Did you mean 'end'?")


class NotAStepFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.helper)

    def helper(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_target_that_is_a_plain_method() -> None:
    err = lint_error(NotAStepFlow)
    line = line_of(NotAStepFlow, "self.next(self.helper)")
    assert_problem(err, "start", line, "'helper', which is not a step; decorate it with @step")


class NextNotLastFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)
        print("after next")

    @step
    def end(self):
        pass


def test_next_must_be_the_last_statement() -> None:
    err = lint_error(NextNotLastFlow)
    line = line_of(NextNotLastFlow, "self.next(self.end)")
    assert_problem(err, "start", line, "must be the last statement")


class NextTwiceFlow(FlowSpec):
    @step
    def start(self):
        if self.name:
            self.next(self.a)
        self.next(self.end)

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_next_called_more_than_once() -> None:
    err = lint_error(NextTwiceFlow)
    line = line_of(NextTwiceFlow, "self.next(self.end)")
    assert_problem(err, "start", line, "called 2 times")


class BadNextArgumentsFlow(FlowSpec):
    @step
    def start(self):
        self.next("end")

    @step
    def a(self):
        steps = [self.end]
        self.next(*steps)

    @step
    def b(self):
        self.next(self.end, parallel=2)

    @step
    def c(self):
        self.next()

    @step
    def d(self):
        self.next(self.end, self.end)

    @step
    def end(self):
        pass


def test_malformed_next_calls() -> None:
    err = lint_error(BadNextArgumentsFlow)
    cls = BadNextArgumentsFlow
    assert_problem(err, "start", line_of(cls, 'self.next("end")'), "self.next(self.end)")
    assert_problem(err, "a", line_of(cls, "self.next(*steps)"), "cannot be read from the source")
    assert_problem(err, "b", line_of(cls, "parallel=2"), "unknown keyword argument 'parallel'")
    assert_problem(err, "c", line_of(cls, "self.next()"), "names no step")
    assert_problem(err, "d", line_of(cls, "self.end, self.end"), "names 'end' twice")


class ForeachNotStringFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1]
        self.next(self.a, foreach=self.items)

    @step
    def a(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class ForeachTwoTargetsFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1]
        self.next(self.a, self.b, foreach="items")

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_foreach_must_be_a_string_literal() -> None:
    err = lint_error(ForeachNotStringFlow)
    line = line_of(ForeachNotStringFlow, "foreach=self.items")
    assert_problem(err, "start", line, "must be a string literal")


def test_foreach_needs_exactly_one_target() -> None:
    err = lint_error(ForeachTwoTargetsFlow)
    line = line_of(ForeachTwoTargetsFlow, 'foreach="items"')
    assert_problem(err, "start", line, "needs exactly one target step, got 2")


# -- reachability and cycles -----------------------------------------------------------------


class UnreachableFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def orphan(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_unreachable_step() -> None:
    err = lint_error(UnreachableFlow)
    assert_problem(err, "orphan", line_of(UnreachableFlow, "def orphan"), "never reached")
    assert len(err.problems) == 1


class CycleFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a)

    @step
    def a(self):
        self.next(self.b)

    @step
    def b(self):
        self.next(self.a)

    @step
    def end(self):
        pass


def test_cycle_names_the_closing_step() -> None:
    err = lint_error(CycleFlow)
    assert_problem(err, "b", line_of(CycleFlow, "self.next(self.a)", 2), "cycle (a -> b -> a)")


# -- splits and joins ------------------------------------------------------------------------


class JoinWithoutSplitFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_join_not_preceded_by_a_split() -> None:
    err = lint_error(JoinWithoutSplitFlow)
    line = line_of(JoinWithoutSplitFlow, "def join")
    assert_problem(err, "join", line, "no split comes before it")


class NonJoiningJoinFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.next(self.join)

    @step
    def join(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_branches_joined_by_a_step_without_inputs() -> None:
    err = lint_error(NonJoiningJoinFlow)
    line = line_of(NonJoiningJoinFlow, "def join")
    assert_problem(err, "join", line, "reached from a, b, but does not take inputs")
    assert "def join(self, inputs)" in str(err)


class MixedJoinFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.c, self.d)

    @step
    def b(self):
        self.next(self.mixed)

    @step
    def c(self):
        self.next(self.mixed)

    @step
    def d(self):
        self.next(self.inner)

    @step
    def mixed(self, inputs):
        self.next(self.end)

    @step
    def inner(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_join_mixing_branches_of_different_splits() -> None:
    err = lint_error(MixedJoinFlow)
    line = line_of(MixedJoinFlow, "def mixed")
    assert_problem(err, "mixed", line, "mixes branches of different splits")
    assert "b (a branch of 'start')" in str(err) and "c (a branch of 'a')" in str(err)


class NeverJoinedFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_foreach_never_joined() -> None:
    err = lint_error(NeverJoinedFlow)
    line = line_of(NeverJoinedFlow, 'foreach="items"')
    assert_problem(err, "start", line, "the foreach at 'start' is never joined")


class JoinRightAfterSplitFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.join)

    @step
    def a(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_join_directly_after_its_split() -> None:
    err = lint_error(JoinRightAfterSplitFlow)
    line = line_of(JoinRightAfterSplitFlow, "def join")
    assert_problem(err, "join", line, "directly follows the split at 'start'")


class BranchMissesJoinFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.next(self.end)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_branch_that_never_reaches_the_join() -> None:
    err = lint_error(BranchMissesJoinFlow)
    line = line_of(BranchMissesJoinFlow, "def join")
    assert_problem(err, "join", line, "the branch 'b' never reaches it")


# -- signatures, decorators, parameters ------------------------------------------------------


class SignatureFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a)

    @step
    def a(self, x, y):
        self.next(self.b)

    @step
    def b(self, *args):
        self.next(self.end)

    @step
    async def end(self):
        pass


def test_wrong_step_signatures() -> None:
    err = lint_error(SignatureFlow)
    assert_problem(err, "a", line_of(SignatureFlow, "def a"), "takes the arguments (x, y)")
    assert_problem(err, "b", line_of(SignatureFlow, "def b"), "*args, **kwargs")
    assert_problem(err, "end", line_of(SignatureFlow, "async def end"), "cannot be async")


class CatchVarClashFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a)

    @catch(var="end")
    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_catch_var_with_a_step_name() -> None:
    err = lint_error(CatchVarClashFlow)
    assert_problem(err, "a", line_of(CatchVarClashFlow, "def a"), "@catch(var='end')")


class ParameterProblemsFlow(FlowSpec):
    alpha = Parameter("learning_rate")
    other = Parameter("middle")
    again = Parameter("alpha")

    @step
    def start(self):
        self.next(self.middle)

    @step
    def middle(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_parameter_problems_name_the_assignment_line() -> None:
    err = lint_error(ParameterProblemsFlow)
    cls = ParameterProblemsFlow
    assert_problem(
        err, None, line_of(cls, "alpha = Parameter"), "'alpha' holds Parameter('learning_rate')"
    )
    assert_problem(err, None, line_of(cls, 'Parameter("middle")'), "has the name of a step")
    assert_problem(err, None, line_of(cls, 'again = Parameter("alpha")'), "must match")


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    err = lint_error(BadNextArgumentsFlow)
    assert len(err.problems) >= 5
    lines = [p.line or 0 for p in err.problems]
    assert lines == sorted(lines)
    assert str(err).startswith("The flow graph is invalid:\n")
