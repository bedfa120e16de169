"""What the Runner needs to know of a flow file, read with `ast` (it is not imported or run):
which flow it runs, and the `separator=` of its parameters."""

from __future__ import annotations

import ast
from pathlib import Path

from flowscope.errors import RunnerError


def _main_call(module: ast.Module, classes: set[str]) -> str | None:
    """`X` of `if __name__ == "__main__": X()`, when X is a class of the file."""
    for node in module.body:
        if not isinstance(node, ast.If):
            continue
        test = ast.unparse(node.test).replace("'", '"')
        if test not in ('__name__ == "__main__"', '"__main__" == __name__'):
            continue
        for statement in ast.walk(node):
            if isinstance(statement, ast.Call) and isinstance(statement.func, ast.Name):
                if statement.func.id in classes:
                    return statement.func.id
    return None


def _flow_classes(module: ast.Module) -> list[str]:
    """Classes of the file that derive from FlowSpec, directly or through the file's own."""
    bases = {
        n.name: [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in n.bases]
        for n in module.body
        if isinstance(n, ast.ClassDef)
    }

    def is_flow(name: str, seen: frozenset[str]) -> bool:
        return any(
            b == "FlowSpec" or (b in bases and b not in seen and is_flow(b, seen | {b}))
            for b in bases.get(name, [])
        )

    return [name for name in bases if is_flow(name, frozenset({name}))]


def _parse(path: Path) -> ast.Module:
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunnerError(f"Cannot read the flow file {str(path)!r}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise RunnerError(f"The flow file {str(path)!r} is not UTF-8 text.") from None
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        raise RunnerError(f"The flow file {str(path)!r} does not parse: {exc}") from None
    return module


def flow_name_of(path: Path) -> str:
    """The flow class a file runs: the one its `__main__` block instantiates, else its only
    FlowSpec subclass."""
    module = _parse(path)
    classes = {n.name for n in module.body if isinstance(n, ast.ClassDef)}
    called = _main_call(module, classes)
    if called is not None:
        return called
    flows = _flow_classes(module)
    if len(flows) == 1:
        return flows[0]
    raise RunnerError(
        f"Cannot tell which flow {str(path)!r} runs: end it with "
        f'`if __name__ == "__main__": YourFlow()`'
        + (f" (it defines {', '.join(flows)})." if flows else ".")
    )


def _literal_text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def separators_of(path: Path) -> dict[str, str]:
    """{parameter name: separator} for each `Parameter(NAME, ..., separator="X")` of the file
    given as literals (a separator computed at run time is not known here)."""
    found: dict[str, str] = {}
    for node in ast.walk(_parse(path)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called != "Parameter":
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
        name = _literal_text(node.args[0] if node.args else keywords.get("name"))
        separator = _literal_text(keywords.get("separator"))
        if name is not None and separator:
            found[name] = separator
    return found
