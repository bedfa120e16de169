"""Read a flow's source with `inspect` and `ast`: classes, step functions, `self.next` calls.

Every line number here is an absolute line of the file the code lives in. A switch,
`self.next({"a": self.a, "b": self.b}, condition="var")`, is read into `NextCall.cases`
(key -> step, in source order) and `NextCall.condition`; its `targets` are the distinct steps
of the cases, in order. Keys must be literal strings, integers or booleans.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import Any, TypeAlias

from flowscope.errors import FlowDefinitionError
from flowscope.frozen import Frozen, init

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
CaseKey: TypeAlias = str | int
"""A switch key as written: a str, an int or a bool (bool is an int)."""


class NextCall(Frozen):
    """One `self.next(...)` call as written in a step's source.

    For a switch, `cases` maps each key to its step (source order) and `condition` names the
    artifact; `is_switch` is true when either is present.
    """

    __slots__ = (
        "line",
        "targets",
        "foreach",
        "is_tail",
        "problems",
        "condition",
        "cases",
        "num_parallel",
    )
    line: int
    targets: tuple[str, ...]
    foreach: str | None
    is_tail: bool
    problems: tuple[str, ...]
    condition: str | None
    cases: tuple[tuple[CaseKey, str], ...]
    num_parallel: bool  # num_parallel=<expression> was given (its value is a run's)

    def __init__(
        self,
        line: int,
        targets: tuple[str, ...],
        foreach: str | None,
        is_tail: bool,
        problems: tuple[str, ...] = (),
        condition: str | None = None,
        cases: tuple[tuple[CaseKey, str], ...] = (),
        num_parallel: bool = False,
    ) -> None:
        init(self, "line", line)
        init(self, "targets", targets)
        init(self, "foreach", foreach)
        init(self, "is_tail", is_tail)
        init(self, "problems", problems)
        init(self, "condition", condition)
        init(self, "cases", cases)
        init(self, "num_parallel", num_parallel)

    @property
    def is_switch(self) -> bool:
        """True for self.next({...}, condition=...), even when written wrongly."""
        return self.condition is not None or bool(self.cases)


class Signature(Frozen):
    """The parameters a step function declares."""

    __slots__ = ("arg_names", "has_star_args", "is_async")
    arg_names: tuple[str, ...]
    has_star_args: bool
    is_async: bool

    def __init__(self, arg_names: tuple[str, ...], has_star_args: bool, is_async: bool) -> None:
        init(self, "arg_names", arg_names)
        init(self, "has_star_args", has_star_args)
        init(self, "is_async", is_async)

    @property
    def takes_inputs(self) -> bool:
        """True for a join: the step takes an argument after self."""
        return len(self.arg_names) >= 2


def _parse_block(obj: Any, what: str) -> ast.stmt:
    """Parse the source block of a class or function, with absolute line numbers."""
    try:
        lines, first_line = _source_lines(obj)
    except (OSError, TypeError) as exc:
        raise FlowDefinitionError(
            f"Cannot read the source of {what}: flowscope reads the steps' self.next(...) "
            f"calls from the source, so flows must be defined in a .py file ({exc})."
        ) from exc
    try:
        return _parsed(lines, first_line)
    except SyntaxError:
        pass  # the block's end was guessed wrong (see _block_end): ask inspect for it
    try:
        lines, first_line = inspect.getsourcelines(obj)
        return _parsed(lines, first_line)
    except SyntaxError as exc:
        raise FlowDefinitionError(f"Cannot parse the source of {what}: {exc}") from exc


def _parsed(lines: list[str], first_line: int) -> ast.stmt:
    text = "".join(lines)
    indented = text[:1] in (" ", "\t")
    module = ast.parse("if 1:\n" + text if indented else text)
    body = module.body[0].body if indented and isinstance(module.body[0], ast.If) else module.body
    if len(module.body) != 1 or len(body) != 1:
        raise SyntaxError("not one statement")
    ast.increment_lineno(module, first_line - (2 if indented else 1))
    return body[0]


def _source_lines(obj: Any) -> tuple[list[str], int]:
    """What `inspect.getsourcelines` returns, without tokenizing the file to find where the
    block ends (that costs a few ms per run): the block ends before the first line of code
    indented no deeper than its `def` or `class`. A line like that inside a string or
    brackets cuts the block short, which then does not parse: `_parse_block` falls back on
    inspect."""
    lines, start = inspect.findsource(inspect.unwrap(obj))
    return lines[start : _block_end(lines, start)], start + 1


def _block_end(lines: list[str], start: int) -> int:
    margin = _indent(lines[start])
    header = start
    while header < len(lines) and not lines[header].lstrip().startswith(_HEADS):
        header += 1  # past the decorators
    for end in range(header + 1, len(lines)):
        code = lines[end].strip()
        if code and not code.startswith("#") and _indent(lines[end]) <= margin:
            return end
    return len(lines)


_HEADS = ("def ", "async ", "class ")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def parse_class(klass: type[Any]) -> ast.ClassDef:
    """The `class` statement of `klass`."""
    block = _parse_block(klass, f"class {klass.__qualname__}")
    if not isinstance(block, ast.ClassDef):
        raise FlowDefinitionError(f"The source of {klass.__qualname__} is not a class statement.")
    return block


def parse_function(func: Any) -> FunctionNode:
    """The `def` statement of a function."""
    name = getattr(func, "__qualname__", repr(func))
    block = _parse_block(func, f"function {name}")
    if not isinstance(block, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise FlowDefinitionError(f"The source of {name} is not a def statement.")
    return block


def find_method(classdef: ast.ClassDef, name: str) -> FunctionNode | None:
    """The last `def name` directly in a class body."""
    found: FunctionNode | None = None
    for stmt in classdef.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            found = stmt
    return found


def assignment_lines(classdef: ast.ClassDef) -> dict[str, int]:
    """Line of the last assignment of each simple name in a class body."""
    lines: dict[str, int] = {}
    for stmt in classdef.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                lines[target.id] = stmt.lineno
    return lines


def signature(func: FunctionNode) -> Signature:
    args = func.args
    names = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    star = args.vararg is not None or args.kwarg is not None or bool(args.kwonlyargs)
    return Signature(names, star, isinstance(func, ast.AsyncFunctionDef))


def _walk_body(node: ast.AST) -> Iterator[ast.AST]:
    """All nodes under `node`, not entering nested functions, lambdas or classes."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        yield child
        yield from _walk_body(child)


def next_calls(func: FunctionNode) -> list[NextCall]:
    """The `self.next(...)` calls in a step, in source order (`self` is the first argument)."""
    arg_names = signature(func).arg_names
    if not arg_names:
        return []
    self_name = arg_names[0]
    tail = func.body[-1]
    tail_call = tail.value if isinstance(tail, ast.Expr) else None
    calls = [
        node
        for node in _walk_body(func)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "next"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == self_name
    ]
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    return [_read_call(call, self_name, call is tail_call) for call in calls]


def transition_call(calls: list[NextCall]) -> NextCall | None:
    """The call that defines a step's transition: the tail call, else the last one."""
    return next((c for c in calls if c.is_tail), calls[-1] if calls else None)


def _self_step(node: ast.expr, self_name: str) -> str | None:
    """'a' for `self.a`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == self_name:
            return node.attr
    return None


def _read_call(call: ast.Call, self_name: str, is_tail: bool) -> NextCall:
    targets: list[str] = []
    problems: list[str] = []
    cases: list[tuple[CaseKey, str]] = []
    switch_dict = False
    for arg in call.args:
        target = _self_step(arg, self_name)
        if target is not None:
            targets.append(target)
        elif isinstance(arg, ast.Dict):
            if switch_dict or len(call.args) > 1:
                problems.append(
                    "a switch takes one dict and nothing else: "
                    f"self.next({{'a': {self_name}.a, 'b': {self_name}.b}}, condition='var')."
                )
            switch_dict = True
            cases.extend(_read_cases(arg, self_name, problems))
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            problems.append(
                f"self.next({arg.value!r}) names a step as a string; "
                f"write self.next({self_name}.{arg.value})."
            )
        else:
            problems.append(
                f"self.next() argument '{ast.unparse(arg)}' cannot be read from the source; "
                f"name each step literally, as in self.next({self_name}.a, {self_name}.b)."
            )
    foreach: str | None = None
    condition: str | None = None
    num_parallel = False
    for kw in call.keywords:
        if kw.arg == "num_parallel":
            num_parallel = True
        elif kw.arg in ("foreach", "condition"):
            value = kw.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if kw.arg == "foreach":
                    foreach = value.value
                else:
                    condition = value.value
            else:
                example = "foreach='items'" if kw.arg == "foreach" else "condition='route'"
                problems.append(
                    f"{kw.arg}={ast.unparse(value)} must be a string literal naming an "
                    f"artifact, as in {example}."
                )
                if kw.arg == "condition":
                    condition = ""
        elif kw.arg is None:
            problems.append(
                "self.next(**...) cannot be read from the source; use foreach='name', "
                "condition='name' or num_parallel=N."
            )
        else:
            problems.append(
                f"self.next() got an unknown keyword argument '{kw.arg}'; only foreach=, "
                f"condition= and num_parallel= are supported."
            )
    if switch_dict:
        targets = list(dict.fromkeys(t for _, t in cases))
    return NextCall(
        call.lineno,
        tuple(targets),
        foreach,
        is_tail,
        tuple(problems),
        condition,
        tuple(cases),
        num_parallel,
    )


def _read_cases(
    node: ast.Dict, self_name: str, problems: list[str]
) -> Iterator[tuple[CaseKey, str]]:
    """The (key, step) pairs of a switch's dict literal; what cannot be read goes to problems."""
    seen: set[CaseKey] = set()  # compared as a dict compares keys: True == 1
    for key, value in zip(node.keys, node.values, strict=True):
        if key is None:
            problems.append(
                "a switch's cases cannot be unpacked with **; write each case: "
                f"{{'a': {self_name}.a, 'b': {self_name}.b}}."
            )
            continue
        target = _self_step(value, self_name)
        literal = key.value if isinstance(key, ast.Constant) else None
        if not isinstance(literal, (str, int)):
            problems.append(
                f"the switch key {ast.unparse(key)} is not a literal string, integer or "
                f"boolean; write the value itself, as in {{'high': {self_name}.a}}."
            )
        elif literal in seen:
            problems.append(f"the switch key {literal!r} appears twice; give each case one key.")
        if target is None:
            problems.append(
                f"the switch case {ast.unparse(key)}: {ast.unparse(value)} does not name a "
                f"step; write {ast.unparse(key)}: {self_name}.<step>."
            )
        if isinstance(literal, (str, int)) and literal not in seen:
            seen.add(literal)
            if target is not None:
                yield literal, target
