"""Reading a flow's source (flow/source.py): classes and defs with absolute line numbers,
signatures, and every `self.next(...)` call with what cannot be read from it."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import source
from flowscope.flow.source import (
    NextCall,
    assignment_lines,
    find_method,
    next_calls,
    parse_class,
    parse_function,
    signature,
    transition_call,
)

from .shapes import line_of


class Sample:
    value = 1
    typed: int = 2

    def first(self) -> None:
        self.next(self.a, self.b)

    def first(self) -> None:  # type: ignore[no-redef]  # noqa: F811 - the last def counts
        if self:
            self.next(self.c)
        self.next(self.d, foreach="items")

    def join(self, inputs: Any, *rest: Any) -> None:
        pass


def _def(code: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    node = ast.parse(textwrap.dedent(code)).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return node


def test_a_nested_class_parses_with_absolute_lines() -> None:
    classdef = parse_class(Sample)
    assert classdef.name == "Sample"
    assert classdef.lineno == inspect.getsourcelines(Sample)[1]
    last = find_method(classdef, "first")
    assert last is not None and last.lineno == line_of(Sample, "def first", 2)
    assert find_method(classdef, "missing") is None
    assert assignment_lines(classdef) == {
        "value": line_of(Sample, "value = 1"),
        "typed": line_of(Sample, "typed: int"),
    }


def test_a_function_parses_and_signatures_are_read() -> None:
    func = parse_function(Sample.join)
    assert func.name == "join"
    sig = signature(func)
    assert sig.arg_names == ("self", "inputs") and sig.has_star_args and not sig.is_async
    assert sig.takes_inputs
    assert not signature(_def("def s(self): pass")).takes_inputs
    assert signature(_def("async def s(self): pass")).is_async
    assert signature(_def("def s(self, *, k=1): pass")).has_star_args


class Awkward:
    """Blocks whose end an indentation scan guesses wrong, and a decorator over lines."""

    def text(self) -> str:
        return """
not indented: this line is inside the string
"""

    # fmt: off
    @staticmethod
    @pytest.mark.parametrize(
        "x", [1]
    )
    def decorated(x: int) -> None:
        self = x
        self.next(  # type: ignore[attr-defined]
    self.end  # type: ignore[attr-defined]
        )
    # fmt: on

    def one_line(self) -> None: self.next(self.end)  # type: ignore[attr-defined]  # fmt: skip

    def after(self) -> None:
        pass


def _by_inspect(obj: Any) -> ast.stmt:
    """The block as inspect finds it (tokenizing the file), parsed with absolute lines."""
    lines, first = inspect.getsourcelines(obj)
    text = "".join(lines)
    if not text[:1].isspace():
        module = ast.parse(text)
        ast.increment_lineno(module, first - 1)
        return module.body[0]
    module = ast.parse("if 1:\n" + text)
    ast.increment_lineno(module, first - 2)
    block = module.body[0]
    assert isinstance(block, ast.If)
    return block.body[0]


@pytest.mark.parametrize("name", ["text", "decorated", "one_line", "after"])
def test_each_block_parses_as_inspect_finds_it(name: str) -> None:
    """The block is found without tokenizing the file, or else by inspect: the same tree."""
    func = getattr(Awkward, name)
    try:
        source._parsed(*source._source_lines(func))
        guessed = True
    except SyntaxError:
        guessed = False
    assert guessed is (name in ("one_line", "after"))  # the string and the decorator: inspect
    node = parse_function(func)
    assert node.name == name
    expected = _by_inspect(func)
    assert ast.dump(node, include_attributes=True) == ast.dump(expected, include_attributes=True)
    whole = parse_class(Awkward)
    same = ast.dump(_by_inspect(Awkward), include_attributes=True)
    assert ast.dump(whole, include_attributes=True) == same


def test_source_that_cannot_be_read_is_a_definition_error() -> None:
    with pytest.raises(FlowDefinitionError, match="must be defined in a .py file"):
        parse_class(int)
    with pytest.raises(FlowDefinitionError, match="not a def statement"):
        parse_function(lambda: None)


def test_next_calls_in_order_with_the_tail_marked() -> None:
    calls = next_calls(parse_function(Sample.first))  # the later def (Sample.first is it)
    assert [(c.targets, c.foreach, c.is_tail) for c in calls] == [
        (("c",), None, False),
        (("d",), "items", True),
    ]
    assert calls[1].line == calls[0].line + 1
    assert transition_call(calls) == calls[1]
    assert transition_call([calls[0]]) == calls[0]
    assert transition_call([]) is None


def test_self_is_whatever_the_first_argument_is_called() -> None:
    calls = next_calls(_def("def s(me):\n    me.next(me.end)\n    self.next(self.other)"))
    assert [c.targets for c in calls] == [("end",)]
    assert next_calls(_def("def s(): pass")) == []


def test_nested_functions_and_classes_are_not_entered() -> None:
    code = """
    def s(self):
        def helper():
            self.next(self.hidden)
        f = lambda: self.next(self.hidden)
        self.next(self.end)
    """
    assert [c.targets for c in next_calls(_def(code))] == [("end",)]


@pytest.mark.parametrize(
    "call,words",
    [
        ("self.next('end')", "names a step as a string; write self.next(self.end)"),
        ("self.next(steps[0])", "argument 'steps[0]' cannot be read"),
        ("self.next(self.w, foreach=name)", "foreach=name must be a string literal"),
        ("self.next(self.w, **kw)", "self.next(**...) cannot be read"),
        ("self.next(self.w, num=3)", "unknown keyword argument 'num'"),
    ],
)
def test_unreadable_calls_carry_their_problem(call: str, words: str) -> None:
    (found,) = next_calls(_def(f"def s(self):\n    {call}"))
    assert isinstance(found, NextCall) and found.is_tail
    assert len(found.problems) == 1 and words in found.problems[0]


def test_a_switch_call_reads_its_cases_condition_and_distinct_targets() -> None:
    code = "def s(self):\n    self.next({'a': self.x, 2: self.y, True: self.x}, condition='v')"
    (found,) = next_calls(_def(code))
    assert found.is_switch and found.problems == ()
    assert found.condition == "v"
    assert found.cases == (("a", "x"), (2, "y"), (True, "x"))
    assert found.targets == ("x", "y") and found.foreach is None
    (plain,) = next_calls(_def("def s(self):\n    self.next(self.a, self.b)"))
    assert not plain.is_switch and plain.cases == () and plain.condition is None


@pytest.mark.parametrize(
    "call,words",
    [
        ("self.next({k: self.a}, condition='v')", "the switch key k is not a literal"),
        ("self.next({1.5: self.a}, condition='v')", "the switch key 1.5 is not a literal"),
        ("self.next({None: self.a}, condition='v')", "the switch key None is not a literal"),
        ("self.next({'a': self.a, 'a': self.b}, condition='v')", "'a' appears twice"),
        ("self.next({1: self.a, True: self.b}, condition='v')", "True appears twice"),
        ("self.next({'a': 'a'}, condition='v')", "'a': 'a' does not name a step"),
        ("self.next({**cases}, condition='v')", "cannot be unpacked with **"),
        ("self.next({'a': self.a}, self.b, condition='v')", "one dict and nothing else"),
        ("self.next({'a': self.a}, condition=var)", "condition=var must be a string literal"),
    ],
)
def test_unreadable_switches_carry_their_problem(call: str, words: str) -> None:
    (found,) = next_calls(_def(f"def s(self):\n    {call}"))
    assert found.is_switch
    assert len(found.problems) == 1 and words in found.problems[0], found.problems
