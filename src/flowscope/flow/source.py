"""Read a flow's source with `inspect` and `ast`: classes, step functions, `self.next` calls.

Every line number here is an absolute line of the file the code lives in.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flowscope.errors import FlowDefinitionError

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class NextCall:
    """One `self.next(...)` call as written in a step's source."""

    line: int
    targets: tuple[str, ...]
    foreach: str | None
    is_tail: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signature:
    """The parameters a step function declares."""

    arg_names: tuple[str, ...]
    has_star_args: bool
    is_async: bool

    @property
    def takes_inputs(self) -> bool:
        """True for a join: the step takes an argument after self."""
        return len(self.arg_names) >= 2


def _parse_block(obj: Any, what: str) -> ast.stmt:
    """Parse the source block of a class or function, with absolute line numbers."""
    try:
        lines, first_line = inspect.getsourcelines(obj)
    except (OSError, TypeError) as exc:
        raise FlowDefinitionError(
            f"Cannot read the source of {what}: flowscope reads the steps' self.next(...) "
            f"calls from the source, so flows must be defined in a .py file ({exc})."
        ) from exc
    text = "".join(lines)
    indented = text[:1] in (" ", "\t")
    try:
        module = ast.parse("if 1:\n" + text if indented else text)
    except SyntaxError as exc:
        raise FlowDefinitionError(f"Cannot parse the source of {what}: {exc}") from exc
    ast.increment_lineno(module, first_line - (2 if indented else 1))
    block = module.body[0]
    if indented:
        assert isinstance(block, ast.If)
        block = block.body[0]
    return block


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


def _read_call(call: ast.Call, self_name: str, is_tail: bool) -> NextCall:
    targets: list[str] = []
    problems: list[str] = []
    for arg in call.args:
        if (
            isinstance(arg, ast.Attribute)
            and isinstance(arg.value, ast.Name)
            and arg.value.id == self_name
        ):
            targets.append(arg.attr)
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
    for kw in call.keywords:
        if kw.arg == "foreach":
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                foreach = kw.value.value
            else:
                problems.append(
                    f"foreach={ast.unparse(kw.value)} must be a string literal naming an "
                    f"artifact, as in foreach='items'."
                )
        elif kw.arg is None:
            problems.append("self.next(**...) cannot be read from the source; use foreach='name'.")
        else:
            problems.append(
                f"self.next() got an unknown keyword argument '{kw.arg}'; only foreach= is "
                f"supported."
            )
    return NextCall(call.lineno, tuple(targets), foreach, is_tail, tuple(problems))
