"""Tests mirror modules: every `src/flowscope/PKG/MOD.py` has `tests/PKG/test_MOD.py` (and every
top-level `src/flowscope/MOD.py` has `tests/test_MOD.py`). Contract and end-to-end suites are
extra, never a substitute."""

from __future__ import annotations

from pathlib import Path

import flowscope

SRC = Path(flowscope.__file__).parent
TESTS = Path(__file__).parent

# Modules allowed to have no mirrored test file, each with the reason.
ALLOWED_MISSING: set[str] = set()


def _mirror(module: Path) -> Path:
    relative = module.relative_to(SRC)
    return TESTS / relative.parent / f"test_{relative.name}"


def _modules() -> list[Path]:
    # `__init__.py` files are left out: a package's __init__ only re-exports its modules'
    # names (its public surface is checked by tests/test_package.py and tests/PKG/test_init.py
    # where there is one). metastore/migrations/__init__.py is the migration runner, tested by
    # tests/metastore/test_migrations.py and the provider contract suite.
    return sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py")


def test_every_module_has_its_mirrored_test_file() -> None:
    missing = [
        str(m.relative_to(SRC))
        for m in _modules()
        if str(m.relative_to(SRC)) not in ALLOWED_MISSING and not _mirror(m).is_file()
    ]
    assert not missing, "modules without tests/PKG/test_MOD.py: " + ", ".join(missing)


def test_the_allow_list_names_only_modules_still_missing_a_test() -> None:
    modules = {str(m.relative_to(SRC)): m for m in _modules()}
    stale = [name for name in sorted(ALLOWED_MISSING) if name not in modules]
    covered = [
        name
        for name in sorted(ALLOWED_MISSING)
        if name in modules and _mirror(modules[name]).is_file()
    ]
    assert not stale, f"allow-listed modules that no longer exist: {stale}"
    assert not covered, f"allow-listed modules that now have a test (drop them): {covered}"


def test_test_packages_have_an_init_so_equal_basenames_do_not_clash() -> None:
    names: dict[str, Path] = {}
    for test in TESTS.rglob("test_*.py"):
        if (test.parent / "__init__.py").is_file():
            continue
        assert test.name not in names, f"{test} and {names[test.name]} share a module name"
        names[test.name] = test
