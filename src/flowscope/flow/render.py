"""Show a flow graph: readable text for `flow.py show`, and a JSON-safe dict for records."""

from __future__ import annotations

from typing import Any

from flowscope.flow.graph import FlowGraph, StepNode


def _first_line(doc: str | None) -> str | None:
    return doc.strip().splitlines()[0] if doc and doc.strip() else None


def _transition(node: StepNode) -> str:
    if not node.out_funcs:
        return "(the flow ends here)" if node.name == "end" else "(no self.next)"
    text = "=> " + ", ".join(node.out_funcs)
    if node.foreach_param is not None:
        text += f"  (foreach over self.{node.foreach_param})"
    return text


def format_graph(graph: FlowGraph) -> str:
    """The flow as text: its docstring, parameters, then each step in topological order
    with its docstring's first line, decorators and `=> next steps`."""
    lines = [graph.flow_name]
    if graph.doc:
        lines += ["    " + line if line else "" for line in graph.doc.splitlines()]
    if graph.parameters:
        lines += ["", "Parameters:"]
        for param in graph.parameters.values():
            default = "required" if param.required else f"default {param.default!r}"
            help_text = f"  {param.help}" if param.help else ""
            lines.append(f"    {param.option} ({param.type_name}, {default}){help_text}")
    lines += ["", "Steps:"]
    for node in graph:
        kind = "join" if node.is_join else ""
        decorators = " ".join(f"@{d!r}" for d in reversed(node.decorators))
        header = " ".join(
            part for part in (node.name, f"[{kind}]" if kind else "", decorators) if part
        )
        lines.append(f"    {header}")
        doc = _first_line(node.doc)
        if doc:
            lines.append(f"        {doc}")
        lines.append(f"        {_transition(node)}")
    return "\n".join(lines) + "\n"


def graph_to_dict(graph: FlowGraph) -> dict[str, Any]:
    """The graph as JSON-safe data (steps in topological order), for recording with a run."""
    return {
        "flow_name": graph.flow_name,
        "file": graph.file,
        "doc": graph.doc,
        "parameters": [p.describe() for p in graph.parameters.values()],
        "steps": [
            {
                "name": node.name,
                "type": node.type,
                "line": node.line,
                "func_name": node.func_name,
                "doc": node.doc,
                "in_funcs": list(node.in_funcs),
                "out_funcs": list(node.out_funcs),
                "foreach_param": node.foreach_param,
                "is_join": node.is_join,
                "split_parents": list(node.split_parents),
                "matching_join": node.matching_join,
                "decorators": [
                    {"name": d.name, "attributes": d.attributes()} for d in node.decorators
                ],
            }
            for node in graph
        ],
    }
