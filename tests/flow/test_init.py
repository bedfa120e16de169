"""The public names of flowscope.flow."""

from __future__ import annotations

from flowscope import flow

BRIEF = {
    "ArtifactSource", "FlowGraph", "FlowSpec", "ForeachFrame", "IncludeFile", "Inputs",
    "JSONType", "Parameter", "StepNode", "Transition", "catch", "check", "current",
    "format_graph", "parallel", "retry", "step", "timeout",
}  # fmt: skip


def test_all_is_sorted_complete_and_importable() -> None:
    assert flow.__all__ == sorted(flow.__all__)
    assert BRIEF <= set(flow.__all__)
    for name in flow.__all__:
        assert getattr(flow, name) is not None
    public = {n for n, v in vars(flow).items() if not n.startswith("_") and not _is_module(v)}
    assert public == set(flow.__all__)


def _is_module(value: object) -> bool:
    return type(value).__name__ == "module"
