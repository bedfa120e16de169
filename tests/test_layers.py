"""The architecture's layers, checked: nothing below imports anything above.

    flow, datastore  (independent of each other)
      -> metastore (its providers hand out the content store of their artifact data)
      -> runtime -> client -> cli / service / runner_api
Shared pure modules (errors, pathspec, config, tags, logs) may be imported by any layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import flowscope

SRC = Path(flowscope.__file__).parent
RANK = {
    "flow": 0,
    "datastore": 0,
    "metastore": 1,
    "runtime": 2,
    "client": 3,
    "cli": 4,
    "runner_api": 4,
    "service": 4,
}
ALLOWED_UPWARD = {
    # FlowSpec() run as a script hands over to the CLI (imported lazily, by name, at that call)
    ("flow", "cli"),
    # the `flowscope service` command lives in cli/ and starts the service
    ("cli", "service"),
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
    return {m for m in found if m.startswith("flowscope.")}


def test_no_layer_imports_a_layer_above_it():
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        module = "flowscope." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        mine = _layer(module)
        if mine is None:
            continue
        for imported in _imports(path):
            theirs = _layer(imported)
            if theirs is None or theirs == mine or (mine, theirs) in ALLOWED_UPWARD:
                continue
            if RANK[theirs] > RANK[mine] or (RANK[theirs] == RANK[mine] == 0):
                problems.append(f"{module} imports {imported}")
    assert not problems


def test_authoring_is_independent_of_storage():
    """flow/ (pure authoring) imports nothing of datastore/ or metastore/."""
    for path in (SRC / "flow").rglob("*.py"):
        assert not {m for m in _imports(path) if _layer(m) in ("datastore", "metastore")}, path
