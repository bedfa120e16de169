"""Switch steps: which case runs, and what a switch means for the graph around it. Pure.

A switch step ends with `self.next({"a": self.a, "b": self.b}, condition="var")`: exactly one
case runs, the one whose key equals the value of the artifact `var` (an artifact of the step
or a parameter) when the step finishes. The graph types it 'split-switch', as the family does.

Matching (`match_case`). Keys are literal strings, integers or booleans. A value matches a key
of its own kind only: a str a str key, a bool (or numpy.bool_) a bool key, an integer (int,
or any integral number such as numpy.int64, but not a bool) an int key. So `"1"` does not pick case `1`, and
`True` does not pick case `1`. A value that matches no key fails the task, naming the step,
the artifact, the value and the keys (`SwitchError`).

Graph terms (computed by topology.py, read from FlowGraph):

- A *loop edge* is a switch case that goes back to the step itself or to a step before it (on
  the way from start). Only a switch may loop; the walk, the order and the split stacks treat
  the graph without its loop edges, which is acyclic. A loop must start and end at the same
  split level (lint): the stack after the switch equals the stack at the loop's target.
- A *conditional* step may not run in a run: some switch before it has a case from which it
  cannot be reached (without loop edges). Every other reachable step runs at least once per
  enclosing foreach item. A step that did not run has no tasks.
- A *loop* step may run more than once per enclosing foreach item: it lies on a loop, from the
  loop's target to the switch that goes back. A step that ran N times has N tasks.

How the scheduler carries its state through a switch (runtime/scheduler.py, part 2):

- The chosen case is the switch task's only successor (`successor(node, value)`); the task it
  starts has the switch task as its one parent and the switch task's stack, unchanged: a
  switch pushes no frame and nothing waits for the cases that did not run.
- Where cases meet again, the step takes no inputs: it has exactly one parent task, the task
  of whichever case ran. A join (a step with inputs) is never a case of a switch (lint), so a
  join downstream closes the enclosing split or foreach as usual: its frame has passed
  through the switch untouched, whichever case ran.
- Going round a loop starts a new task of the loop's target with the same stack. The passes of
  one loop at one stack run one after another, so a task's identity for resume is its step,
  its stack and its pass (0, 1, ...: how many tasks of that step and stack came before it).
"""

from __future__ import annotations

import numbers
import reprlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from flowscope.errors import FlowDefinitionError, SwitchError
from flowscope.flow.contract import Transition
from flowscope.flow.names import did_you_mean
from flowscope.flow.source import CaseKey, NextCall

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60


def _kind(value: object) -> str:
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_"):  # numpy's too
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def show_value(value: object) -> str:
    """A short repr of a condition value, with its type: 'True (bool)'."""
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a user's __repr__ may fail; the message must not
        text = f"<{type(value).__name__}>"
    return f"{text} ({_kind(value)})"


def show_keys(keys: Iterable[CaseKey]) -> str:
    """The keys of a switch as a reader would write them: "'a', 'b'" or '1, 2'."""
    return ", ".join(repr(k) for k in keys)


def match_case(cases: Mapping[CaseKey, str], value: object) -> CaseKey | None:
    """The key of `cases` that `value` selects, or None (see the module docstring)."""
    kind = _kind(value)
    if kind not in ("bool", "int", "str"):
        return None
    wanted: object = value
    if kind == "int":
        wanted = int(value)  # type: ignore[call-overload]
    elif kind == "bool":
        wanted = bool(value)
    for key in cases:
        if _kind(key) == kind and key == wanted:
            return key
    return None


def choose(step: str, condition: str, cases: Mapping[CaseKey, str], value: object) -> CaseKey:
    """The key selected by `value`, or SwitchError naming the step, artifact, value and keys."""
    key = match_case(cases, value)
    if key is not None:
        return key
    hint = ""
    loose = [k for k in cases if str(k) == str(value)]
    if loose:
        hint = (
            f" Keys and values are compared with their types: {show_value(value)} is not "
            f"the key {show_keys(loose)} ({_kind(loose[0])})."
        )
    raise SwitchError(
        f"step '{step}': the switch on self.{condition} found {show_value(value)}, which is "
        f"none of its cases {show_keys(cases)}; set self.{condition} to one of them before "
        f"self.next(...).{hint}",
        step=step,
        condition=condition,
    )


def missing_condition(step: str, condition: str, known: Iterable[str]) -> SwitchError:
    """The error for a switch whose condition artifact does not exist."""
    return SwitchError(
        f"step '{step}' switches on condition='{condition}' but has no artifact "
        f"'{condition}'; set self.{condition} = <one of the case keys> before "
        f"self.next(...).{did_you_mean(condition, known)}",
        step=step,
        condition=condition,
    )


class SwitchNode(Protocol):
    """What `successor` reads of a graph node (flow.graph.StepNode has it)."""

    @property
    def switch_cases(self) -> tuple[tuple[CaseKey, str], ...]: ...


def successor(node: SwitchNode, value: object) -> str | None:
    """The step a switch node goes to when its condition has `value`; None when no case
    matches (the task itself has failed with SwitchError then)."""
    table = dict(node.switch_cases)
    key = match_case(table, value)
    return None if key is None else table[key]


def _show_switch(cases: Iterable[tuple[object, str]], condition: object) -> str:
    body = ", ".join(f"{k!r}: self.{t}" for k, t in cases)
    return f"self.next({{{body}}}, condition={condition!r})"


def switch_transition(
    step: str,
    steps: tuple[Any, ...],
    *,
    foreach: object,
    condition: object,
    target_name: Callable[[Any], str],
    read: Callable[[str], object],
    known: Callable[[], Iterable[str]],
    written: NextCall | None,
) -> Transition:
    """Check a switch call made by a running step and return its Transition.

    `steps` are self.next's positional arguments; `target_name` turns `self.a` into 'a' (or
    raises); `read` reads an artifact or parameter (AttributeError when there is none);
    `written` is the step's self.next call as read from its source.
    """
    example = "self.next({'a': self.a, 'b': self.b}, condition='var')"
    if len(steps) != 1 or not isinstance(steps[0], Mapping) or foreach is not None:
        raise FlowDefinitionError(
            f"step '{step}': a switch takes one dict of cases and condition= and nothing "
            f"else, as in {example}."
        )
    if not isinstance(condition, str):
        got = "no condition=" if condition is None else f"condition={condition!r}"
        raise FlowDefinitionError(
            f"step '{step}': a switch needs condition='<artifact>' naming the artifact whose "
            f"value picks the case; got {got}. Write {example}."
        )
    given = steps[0]
    cases: dict[CaseKey, str] = {}
    for key, target in given.items():
        if not isinstance(key, (str, int)):
            raise FlowDefinitionError(
                f"step '{step}': the switch key {key!r} is a {type(key).__name__}; keys are "
                f"strings, integers or booleans."
            )
        cases[key] = target_name(target)
    pairs = tuple(cases.items())
    if written is None or (written.cases, written.condition) != (pairs, condition):
        where = f"line {written.line}" if written else "no self.next call"
        reads = "no dict of cases"
        if written is not None and written.cases:
            reads = _show_switch(written.cases, written.condition)
        raise FlowDefinitionError(
            f"step '{step}' called {_show_switch(pairs, condition)}, but its source ({where}) "
            f"reads {reads}; write the switch as a dict literal with its cases spelled out."
        )
    try:
        value = read(condition)
    except AttributeError:
        raise missing_condition(step, condition, known()) from None
    key = choose(step, condition, cases, value)
    return Transition((cases[key],), None, condition=condition, case=key)
