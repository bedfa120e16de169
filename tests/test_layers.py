"""The architecture's rules: the layer contracts, string imports, and where errors live.

The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); `lint-imports`
(run by ./dev test, and by the first test here) checks every import statement. It cannot see
an import spelled as a string: `importlib.import_module("flowscope...")`, a lazy registry entry
such as "flowscope.datastore.local:from_url", or the package's `__getattr__` table of public
names. Those are collected from the source here and held to the same contracts.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import flowscope

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SRC = Path(flowscope.__file__).parent
PYPROJECT = SRC.parent.parent / "pyproject.toml"
# a whole string naming a flowscope module, optionally ":attribute" (a lazy registry entry)
MODULE_STRING = re.compile(r"flowscope(\.[A-Za-z_]\w*)+(:[A-Za-z_]\w*)?")
# string imports that go against the layers on purpose, with the reason
ALLOWED_STRING_IMPORTS = {
    # FlowSpec() run as a script (`python flow.py run`) hands over to the flow's CLI
    ("flowscope.flow.spec", "flowscope.cli.flow_main"),
    # `from flowscope.cards import get_cards` (issue 12's documented spelling): cards/__init__
    # hands the reading names to the client on first use, so flow -> cards never loads it
    ("flowscope.cards", "flowscope.client.cards"),
}


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text())
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


# ---- the contracts, evaluated for one import ---------------------------------------------


@functools.cache
def _pattern(expression: str) -> re.Pattern[str]:
    """An import-linter module expression (`*` one segment, `**` any) as a regex."""
    parts = [
        ".+" if p == "**" else "[^.]+" if p == "*" else re.escape(p) for p in expression.split(".")
    ]
    return re.compile(r"\.".join(parts))


def _within(module: str, expression: str, as_package: bool = True) -> bool:
    if _pattern(expression).fullmatch(module):
        return True
    return as_package and any(
        _pattern(expression).fullmatch(".".join(module.split(".")[:n]))
        for n in range(1, module.count(".") + 1)
    )


def _ignored(importer: str, imported: str, contract: dict[str, Any]) -> bool:
    for line in contract.get("ignore_imports", []):
        left, _, right = (s.strip() for s in line.partition("->"))
        if _pattern(left).fullmatch(importer) and _pattern(right).fullmatch(imported):
            return True
    return False


def _layer_of(module: str, contract: dict[str, Any]) -> tuple[int, str, bool] | None:
    """(index from the top, sibling, whether siblings are independent) of `module`'s layer."""
    container = contract.get("containers", "")
    for index, layer in enumerate(contract["layers"]):
        independent = "|" in layer
        for tail in re.split(r"[|:]", layer):
            full = f"{container}.{tail.strip()}" if container else tail.strip()
            if _within(module, full):
                return index, full, independent
    return None


def broken_contracts(importer: str, imported: str, rules: list[dict[str, Any]]) -> list[str]:
    """The names of the contracts that `importer` importing `imported` would break."""
    broken = []
    for contract in rules:
        if _ignored(importer, imported, contract):
            continue
        kind = contract["type"]
        if kind == "layers":
            mine, theirs = _layer_of(importer, contract), _layer_of(imported, contract)
            if mine is None or theirs is None:
                continue
            above = theirs[0] < mine[0]
            sibling = theirs[0] == mine[0] and theirs[1] != mine[1] and mine[2]
            if above or sibling:
                broken.append(contract["name"])
        elif kind == "independence":
            mine_in = {m for m in contract["modules"] if _within(importer, m)}
            theirs_in = {m for m in contract["modules"] if _within(imported, m)}
            if mine_in and theirs_in and mine_in != theirs_in:
                broken.append(contract["name"])
        elif kind == "forbidden":
            as_package = contract.get("as_packages", True)
            if any(_within(importer, s, as_package) for s in contract["source_modules"]) and any(
                _within(imported, f, as_package) for f in contract["forbidden_modules"]
            ):
                broken.append(contract["name"])
        else:
            raise AssertionError(f"teach test_layers.py the contract type {kind!r}")
    return broken


# ---- string imports in the source ---------------------------------------------------------


def _exists(module: str) -> bool:
    path = SRC.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def string_imports(source: str) -> set[str]:
    """The flowscope modules `source` names in strings: import_module() arguments, registry
    entries ("module:attribute"), lazy export tables. Logger names are not imports."""
    tree = ast.parse(source)
    loggers = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")) == "getLogger"
        and node.args
    }
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in loggers or not MODULE_STRING.fullmatch(node.value):
            continue
        module = node.value.partition(":")[0]
        if _exists(module):
            found.add(module)
    return found


def string_import_problems(module: str, source: str, rules: list[dict[str, Any]]) -> list[str]:
    return [
        f"{module} imports {imported} by name, against: {'; '.join(broken)}"
        for imported in sorted(string_imports(source))
        if (module, imported) not in ALLOWED_STRING_IMPORTS
        and (broken := broken_contracts(module, imported, rules))
    ]


def _source_modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


# ---- the tests ----------------------------------------------------------------------------


def test_the_import_linter_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out


def test_string_imports_keep_the_contracts() -> None:
    rules = contracts()
    seen, problems = set(), []
    for module, path in _source_modules():
        source = path.read_text()
        seen |= {(module, imported) for imported in string_imports(source)}
        problems += string_import_problems(module, source, rules)
    assert problems == []
    # what the check is known to see: the public names, the registry, the script hand-over
    assert ("flowscope", "flowscope.client") in seen
    assert ("flowscope.datastore.storage", "flowscope.datastore.local") in seen
    assert set(ALLOWED_STRING_IMPORTS) <= seen  # an allowance no longer needed must go


@pytest.mark.parametrize(
    "module,source,against",
    [
        (
            "flowscope.client.task",
            "import importlib\nimportlib.import_module('flowscope.runtime.scheduler')\n",
            "The client never imports the runtime",
        ),
        (
            "flowscope",
            "_EXPORTS = {'create_app': 'flowscope.service.app'}\n",
            "import flowscope never loads the service",
        ),
        (
            "flowscope.metastore.providers",
            "REGISTRY = {'file': 'flowscope.datastore.local:from_url'}\n",
            "Authoring, artifact storage and metadata are independent",
        ),
        (
            "flowscope.datastore.storage",
            "from importlib import import_module\nimport_module('flowscope.cli.main')\n",
            "cli, service > client",
        ),
        (
            "flowscope.service.app",
            "import_module('flowscope.client.flow')\n",
            "The service never imports the client",
        ),
    ],
)
def test_the_string_import_check_finds_a_broken_contract(
    module: str, source: str, against: str
) -> None:
    problems = string_import_problems(module, source, contracts())
    assert len(problems) == 1 and against in problems[0], problems


@pytest.mark.parametrize(
    "module,source",
    [
        ("flowscope.runtime.task", "import_module('flowscope.datastore.local')\n"),
        ("flowscope.cli.main", "import_module('flowscope.service.server')\n"),
        ("flowscope.service.wire", "import logging\nlogging.getLogger('flowscope.client')\n"),
        ("flowscope.client.data", "MESSAGE = 'see flowscope.runtime.task'\n"),
    ],
)
def test_allowed_string_imports_and_non_imports_pass(module: str, source: str) -> None:
    assert string_import_problems(module, source, contracts()) == []


def test_every_error_class_lives_in_the_error_tree() -> None:
    """A public exception class defined anywhere but errors.py is outside the one tree."""
    from flowscope import errors

    outside = []
    for info in pkgutil.walk_packages(flowscope.__path__, "flowscope."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == info.name != errors.__name__
                and not name.startswith("_")
            ):
                outside.append(f"{info.name}.{name}")
    for name, value in vars(errors).items():
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, errors.FlowscopeError), name
    # RunInterrupted moves into errors.py with the runtime split (issue 9); then this list is []
    assert outside in ([], ["flowscope.runtime.runner.RunInterrupted"])
