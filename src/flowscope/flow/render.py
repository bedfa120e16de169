"""Show a flow graph: readable text for `flow.py show`, and a JSON-safe dict for records."""

from __future__ import annotations

from typing import Any

from flowscope.flow.graph import FlowGraph, StepNode


def _first_line(doc: str | None) -> str | None:
    return doc.strip().splitlines()[0] if doc and doc.strip() else None


def _transition(graph: FlowGraph, node: StepNode) -> list[str]:
    if not node.out_funcs:
        return ["(the flow ends here)" if node.name == "end" else "(no self.next)"]
    if node.is_switch:
        loops = {target for switch, target in graph.topology.loops if switch == node.name}
        width = max(len(repr(key)) for key, _ in node.switch_cases)
        lines = [f"=> one of, by the value of self.{node.condition}:"]
        for key, target in node.switch_cases:
            again = "  (loops back)" if target in loops else ""
            lines.append(f"     {repr(key):<{width}} => {target}{again}")
        return lines
    text = "=> " + ", ".join(node.out_funcs)
    if node.parallel_foreach:
        text += "  (num_parallel: a gang of tasks)"
    elif node.foreach_param is not None:
        text += f"  (foreach over self.{node.foreach_param})"
    return [text]


def _kinds(graph: FlowGraph, node: StepNode) -> list[str]:
    kinds = ["join"] if node.is_join else []
    if node.is_switch:
        kinds.append("switch")
    if node.parallel_step:
        kinds.append("parallel")
    if node.name in graph.conditional_steps:
        kinds.append("may not run")
    if node.name in graph.looping_steps:
        kinds.append("may repeat")
    return kinds


def format_graph(graph: FlowGraph) -> str:
    """The flow as text: its docstring, parameters, then each step in topological order
    with its docstring's first line, decorators and `=> next steps` (for a switch, each
    case's key and step; a case going back is marked `(loops back)`). Steps a switch may skip
    are marked [may not run]; steps on a loop [may repeat]."""
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
        kinds = _kinds(graph, node)
        decorators = " ".join(f"@{d!r}" for d in reversed(node.decorators))
        header = " ".join(
            part
            for part in (node.name, f"[{', '.join(kinds)}]" if kinds else "", decorators)
            if part
        )
        lines.append(f"    {header}")
        doc = _first_line(node.doc)
        if doc:
            lines.append(f"        {doc}")
        lines += [f"        {line}" for line in _transition(graph, node)]
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
                "condition": node.condition,
                "switch_cases": [[key, target] for key, target in node.switch_cases],
                "parallel_foreach": node.parallel_foreach,
                "parallel_step": node.parallel_step,
                "may_not_run": node.name in graph.conditional_steps,
                "may_repeat": node.name in graph.looping_steps,
                "decorators": [
                    {"name": d.name, "attributes": d.attributes()} for d in node.decorators
                ],
            }
            for node in graph
        ],
    }


STEP_GRAPH_FACT = "step-graph"
"""The fact, recorded on a run's parameters task, that holds `step_successors()` as JSON: the
graph the run ran, which the client's lineage reads (no code package needed)."""


def step_successors(graph: FlowGraph) -> dict[str, list[str]]:
    """{step: the steps it can go to}, steps in topological order (a switch's distinct cases;
    a foreach's or a gang's body)."""
    return {node.name: list(node.out_funcs) for node in graph}
