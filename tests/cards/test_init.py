"""flowscope.cards: its public names, and that nothing of it loads before it is used."""

from __future__ import annotations

import subprocess
import sys

from flowscope import cards

FAMILY = {
    "Artifact", "Error", "Image", "JSONViewer", "Markdown", "MetaflowCardComponent",
    "ProgressBar", "Table", "ValueBox", "VegaChart", "YAMLViewer",
}  # fmt: skip
RENDER_LIBRARIES = ["nh3", "markdown_it", "vl_convert", "yaml", "PIL", "matplotlib"]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_all_is_sorted_complete_and_has_the_familys_names() -> None:
    assert cards.__all__ == sorted(cards.__all__)
    assert FAMILY <= set(cards.__all__)
    for name in cards.__all__:
        assert getattr(cards, name) is not None


def test_import_flowscope_and_authoring_load_nothing_of_cards() -> None:
    for statement in ("import flowscope", "from flowscope import FlowSpec, step, current"):
        loaded = _loaded_after(statement)
        assert not [m for m in loaded if m.startswith("flowscope.cards")], statement
        assert not [m for m in RENDER_LIBRARIES if m in loaded], statement


def test_importing_cards_and_building_components_loads_no_render_library() -> None:
    loaded = _loaded_after(
        "from flowscope.cards import Markdown, VegaChart, YAMLViewer; "
        "Markdown('# x'); VegaChart({}); YAMLViewer({})"
    )
    assert not [m for m in RENDER_LIBRARIES if m in loaded]


def test_rendering_loads_only_what_that_component_needs() -> None:
    loaded = _loaded_after("from flowscope.cards import Markdown; Markdown('# x').render()")
    assert {"nh3", "markdown_it"} <= loaded and "vl_convert" not in loaded


def test_cards_sits_at_the_bottom_importing_only_errors_and_itself() -> None:
    """flow/ (the @card decorator), runtime/, client/ and cli/ will all import cards, so it
    imports nothing of flowscope but the shared error tree (and the frozen values' base
    below it, which imports nothing)."""
    import ast
    from pathlib import Path

    for path in Path(cards.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("flowscope")
            ):
                assert node.module in (
                    "flowscope.errors",
                    "flowscope.frozen",
                ) or node.module.startswith("flowscope.cards"), f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not [a for a in node.names if a.name.startswith("flowscope")], path.name
