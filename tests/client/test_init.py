"""The client package: light to import, exporting exactly its public names, its modules free
of import cycles (__init__.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

import flowscope.client

CLIENT = Path(flowscope.client.__file__).parent
TESTS = Path(__file__).parent

HEAVY = [
    "http.client",
    "urllib.request",
    "httpx",
    "psycopg",
    "starlette",
    "uvicorn",
    "sqlite3",
    "numpy",
    "pandas",
    "lz4",
    "blake3",
    "flowscope.metastore.store",
    "flowscope.datastore",
    "flowscope.runtime",
    "flowscope.cli",
]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_client_loads_nothing_heavy():
    loaded = _modules_after("import flowscope.client")
    assert [m for m in HEAVY if m in loaded] == []


def test_all_is_sorted_and_complete():
    names = flowscope.client.__all__
    assert names == sorted(names)
    required = {
        "Metaflow",
        "Flow",
        "Run",
        "Step",
        "Task",
        "DataArtifact",
        "namespace",
        "get_namespace",
        "default_namespace",
        "metadata",
        "get_metadata",
        "default_metadata",
    }
    assert required <= set(names)
    for name in names:
        assert getattr(flowscope.client, name) is not None
    public = {n for n in vars(flowscope.client) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(flowscope.client, n)).__name__ == "module"}
    assert public - modules - {"annotations"} == set(names)


def test_public_constructors_take_only_public_parameters():
    import inspect

    for cls in (
        flowscope.client.Flow,
        flowscope.client.Run,
        flowscope.client.Step,
        flowscope.client.Task,
        flowscope.client.DataArtifact,
        flowscope.client.Metaflow,
    ):
        params = inspect.signature(cls).parameters
        assert not [p for p in params if p.startswith("_")], cls


# ---- import graph ----------------------------------------------------------------------


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The client modules an import statement loads (`__init__` for the package itself)."""
    if isinstance(node, ast.Import):
        names = {a.name for a in node.names}
    elif node.level:
        raise AssertionError(f"relative import in client/ at line {node.lineno}")
    elif node.module == "flowscope.client":  # `from flowscope.client import run` is run.py
        names = {
            f"flowscope.client.{a.name}"
            if (CLIENT / f"{a.name}.py").exists()
            else "flowscope.client"
            for a in node.names
        }
    else:
        names = {node.module or ""}
    found = set()
    for name in names:
        if name == "flowscope.client":
            found.add("__init__")
        elif name.startswith("flowscope.client."):
            found.add(name.split(".")[2])
    return found


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(client modules imported when `path` runs, client modules imported inside functions).
    Imports under `if TYPE_CHECKING:` are for annotations and never run; they are left out."""
    run: set[str] = set()
    in_functions: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            targets = _targets(node)
            run.update(targets)
            if in_function:
                in_functions.update(targets)
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text()), False)
    return run, in_functions


def _graph() -> dict[str, set[str]]:
    return {p.stem: _imports(p)[0] - {p.stem} for p in sorted(CLIENT.glob("*.py"))}


def _cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (module -> modules it imports), or None."""
    done: set[str] = set()
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return None
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            found = walk(nxt)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = walk(start)
        if found:
            return found
    return None


def test_the_client_modules_import_each_other_without_a_cycle():
    graph = _graph()
    assert len(graph) >= 15 and "base" in graph["run"] and "run" in graph["flow"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


# Features loaded on their first use, so `from flowscope import Flow` does not pay for them.
# These are the only client modules another may import inside a function; nothing imports
# them at module level (so a lazy import here never hides a cycle).
ON_DEMAND = {"diff_io", "comparison", "diff", "lineage"}


def test_no_client_module_imports_another_inside_a_function():
    lazy = {p.name: sorted(_imports(p)[1] - ON_DEMAND) for p in CLIENT.glob("*.py")}
    assert {name: mods for name, mods in lazy.items() if mods} == {}


def test_on_demand_modules_are_not_imported_at_module_level_by_the_objects():
    at_top = {p.stem: _imports(p)[0] - _imports(p)[1] for p in CLIENT.glob("*.py")}
    importers = {m for m, deps in at_top.items() if deps & ON_DEMAND and m not in ON_DEMAND}
    importers -= {"diff_html", "diff_text", "diff_logic", "diff_values"}  # the feature's own parts
    assert importers == set()


def test_importing_the_client_loads_no_on_demand_feature():
    code = (
        "import sys, flowscope.client\n"
        f"print(sorted(m for m in sys.modules if m.rsplit('.', 1)[-1] in {sorted(ON_DEMAND)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert flowscope.client.compare.__module__ == "flowscope.client.comparison"


def test_the_objects_import_downwards_only():
    graph = _graph()
    order = ["root", "flow", "run", "step", "task", "artifact"]
    for i, module in enumerate(order):
        assert not graph[module] & set(order[:i]), module
    assert graph["display"] == set()  # the objects import it to render themselves


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"a"}}, ["a", "a"]),
        ({"x": {"b"}, "a": set(), "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_the_cycle_check_finds_cycles(graph, expected):
    assert _cycle(graph) == expected


def test_the_import_scan_sees_function_level_and_skips_type_only_imports(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from flowscope.client.base import Container\n"
        "from flowscope.client import display\n"
        "if TYPE_CHECKING:\n"
        "    from flowscope.client.flow import Flow\n"
        "def f():\n"
        "    from flowscope.client.run import Run\n"
        "    import flowscope.client.task\n"
    )
    assert _imports(source) == ({"base", "display", "run", "task"}, {"run", "task"})


def test_every_client_module_has_its_test_module():
    def test_of(module: Path) -> Path:
        return TESTS / ("test_init.py" if module.stem == "__init__" else f"test_{module.stem}.py")

    assert [p.name for p in CLIENT.glob("*.py") if not test_of(p).exists()] == []
