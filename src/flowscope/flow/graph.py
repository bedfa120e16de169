"""The static step graph of a flow class, read from its source. Pure (reads source only).

`FlowGraph.from_class(FlowClass)` finds the methods marked with `@step` (in the class and its
bases), parses each one's `self.next(...)` call with `ast`, and links the steps. Building a
graph never rejects a flow: `flowscope.flow.lint.check(graph)` reports what is wrong.
Switch steps, loops and the steps that may not run (or may run several times) are described
in flow/switch.py.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from flowscope.flow.decorators import StepDecorator, is_step, step_decorators
from flowscope.flow.gang import PARALLEL_VAR
from flowscope.flow.names import did_you_mean
from flowscope.flow.parameters import Parameter, flow_parameters
from flowscope.flow.source import (
    CaseKey,
    NextCall,
    Signature,
    assignment_lines,
    find_method,
    next_calls,
    parse_class,
    parse_function,
    signature,
    transition_call,
)
from flowscope.flow.topology import Edges, Topology, analyse
from flowscope.frozen import Frozen, init, replace

STEP_TYPES = ("start", "linear", "split", "foreach", "split-switch", "join", "end")
NO_SIGNATURE = Signature((), False, False)


class StepNode(Frozen):
    """One step of the graph.

    `type` describes the transition out, as in Metaflow: 'foreach' (foreach=), 'split-switch'
    (a dict of cases with condition=), 'split' (several targets), else 'start' / 'end' by
    name, else 'join' (takes `inputs`) or 'linear'. A join that splits again is typed
    'split', 'foreach' or 'split-switch': read join-ness from `is_join`, never from `type`.
    A step that calls `self.next(self.train, num_parallel=N)` is typed 'foreach' with
    `parallel_foreach` set, as in the family; its `foreach_param` is PARALLEL_VAR (no artifact:
    see flow/gang.py). A step decorated with @parallel has `parallel_step` set.
    A switch has `condition` (the artifact's name) and `switch_cases` (key -> step, in source
    order); its `out_funcs` are the distinct steps of its cases. `split_parents` lists the enclosing
    split/foreach steps, innermost last (for a join, ending with the split it closes);
    `matching_join` is set on split/foreach steps to the join that closes them.
    """

    __slots__ = (
        "name",
        "type",
        "out_funcs",
        "in_funcs",
        "foreach_param",
        "is_join",
        "line",
        "func_name",
        "doc",
        "decorators",
        "split_parents",
        "matching_join",
        "next_calls",
        "signature",
        "condition",
        "switch_cases",
        "parallel_foreach",
        "parallel_step",
    )
    name: str
    type: str
    out_funcs: list[str]
    in_funcs: list[str]
    foreach_param: str | None
    is_join: bool
    line: int
    func_name: str
    doc: str | None
    decorators: list[StepDecorator]
    split_parents: list[str]
    matching_join: str | None
    next_calls: tuple[NextCall, ...]
    signature: Signature
    condition: str | None
    switch_cases: tuple[tuple[CaseKey, str], ...]
    parallel_foreach: bool  # it calls self.next(self.<step>, num_parallel=N)
    parallel_step: bool  # it is decorated with @parallel

    def __init__(
        self,
        name: str,
        type: str,
        out_funcs: list[str],
        in_funcs: list[str],
        foreach_param: str | None,
        is_join: bool,
        line: int,
        func_name: str,
        doc: str | None,
        decorators: list[StepDecorator],
        split_parents: list[str] | None = None,
        matching_join: str | None = None,
        next_calls: tuple[NextCall, ...] = (),
        signature: Signature = NO_SIGNATURE,
        condition: str | None = None,
        switch_cases: tuple[tuple[CaseKey, str], ...] = (),
        parallel_foreach: bool = False,
        parallel_step: bool = False,
    ) -> None:
        init(self, "name", name)
        init(self, "type", type)
        init(self, "out_funcs", out_funcs)
        init(self, "in_funcs", in_funcs)
        init(self, "foreach_param", foreach_param)
        init(self, "is_join", is_join)
        init(self, "line", line)
        init(self, "func_name", func_name)
        init(self, "doc", doc)
        init(self, "decorators", decorators)
        init(self, "split_parents", [] if split_parents is None else split_parents)
        init(self, "matching_join", matching_join)
        init(self, "next_calls", next_calls)
        init(self, "signature", signature)
        init(self, "condition", condition)
        init(self, "switch_cases", switch_cases)
        init(self, "parallel_foreach", parallel_foreach)
        init(self, "parallel_step", parallel_step)

    @property
    def is_foreach(self) -> bool:
        """True when this step fans out with foreach=."""
        return self.foreach_param is not None

    @property
    def is_switch(self) -> bool:
        """True when exactly one of this step's targets runs, chosen by `condition`."""
        return self.type == "split-switch"

    @property
    def is_split(self) -> bool:
        """True when this step branches statically to several steps (all of them run)."""
        return len(self.out_funcs) > 1 and not self.is_switch

    def decorator(self, name: str) -> StepDecorator | None:
        """The decorator called `name` ('retry', 'catch', 'timeout') on this step, if any."""
        return next((d for d in self.decorators if d.name == name), None)


class FlowGraph:
    """The steps of a flow, by name in source order; iteration is topological from start.

    `sorted_nodes` lists step names in that order. `parameters` maps attribute names to the
    flow's Parameter objects; `methods` names the flow's non-step functions.
    """

    def __init__(
        self,
        flow_name: str,
        nodes: Mapping[str, StepNode],
        *,
        file: str | None = None,
        line: int | None = None,
        doc: str | None = None,
        parameters: Mapping[str, Parameter] | None = None,
        parameter_lines: Mapping[str, int] | None = None,
        methods: frozenset[str] = frozenset(),
    ) -> None:
        self.flow_name = flow_name
        self.nodes: dict[str, StepNode] = dict(nodes)
        self.file = file
        self.line = line
        self.doc = doc
        self.parameters: dict[str, Parameter] = dict(parameters or {})
        self.parameter_lines: dict[str, int] = dict(parameter_lines or {})
        self.methods = methods
        self.topology: Topology = analyse(_edges(self.nodes))

    @classmethod
    def from_class(cls, flow_cls: type[Any]) -> FlowGraph:
        """Build the graph of a FlowSpec subclass from its source."""
        return _Builder(flow_cls).build()

    @property
    def conditional_steps(self) -> frozenset[str]:
        """The steps that may not run in a run: some switch can choose a way around them."""
        return self.topology.conditional

    @property
    def looping_steps(self) -> frozenset[str]:
        """The steps that may run more than once per foreach item: they lie on a loop."""
        return self.topology.looping

    @property
    def sorted_nodes(self) -> list[str]:
        """Step names in topological order from start; unreachable steps last."""
        return list(self.topology.order)

    def __getitem__(self, name: str) -> StepNode:
        try:
            return self.nodes[name]
        except KeyError:
            hint = did_you_mean(name, self.nodes)
            raise KeyError(f"{self.flow_name} has no step '{name}'.{hint}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def __iter__(self) -> Iterator[StepNode]:
        return (self.nodes[name] for name in self.topology.order)

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"FlowGraph({self.flow_name!r}, steps={self.sorted_nodes})"


def _edges(nodes: Mapping[str, StepNode]) -> dict[str, Edges]:
    return {
        name: Edges(tuple(n.out_funcs), n.is_join, n.is_split or n.is_foreach, n.is_switch)
        for name, n in nodes.items()
    }


def _step_type(
    name: str, out_funcs: list[str], foreach: str | None, is_join: bool, is_switch: bool = False
) -> str:
    """Metaflow's rule: the transition out first, then 'end'/'start', then join-ness."""
    if foreach is not None:
        return "foreach"
    if is_switch:
        return "split-switch"
    if len(out_funcs) > 1:
        return "split"
    if name in ("start", "end"):
        return name
    return "join" if is_join else "linear"


def _clean_doc(doc: object) -> str | None:
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


class _Builder:
    """Reads one flow class; parses each defining class's source once."""

    def __init__(self, flow_cls: type[Any]) -> None:
        self.flow_cls = flow_cls
        self.mro = [k for k in reversed(flow_cls.__mro__) if k is not object]
        self.classdefs: dict[type[Any], ast.ClassDef] = {}

    def classdef(self, klass: type[Any]) -> ast.ClassDef:
        if klass not in self.classdefs:
            self.classdefs[klass] = parse_class(klass)
        return self.classdefs[klass]

    def owner(self, attr: str) -> type[Any]:
        return next(k for k in reversed(self.mro) if attr in vars(k))

    def build(self) -> FlowGraph:
        flow_cls = self.flow_cls
        steps: dict[str, Any] = {}
        methods: set[str] = set()
        for klass in self.mro:
            for attr, value in vars(klass).items():
                steps.pop(attr, None)
                methods.discard(attr)
                if is_step(value):
                    steps[attr] = value
                elif inspect.isfunction(value):
                    methods.add(attr)
        raw = [self.node(name, func) for name, func in steps.items()]
        rank = {k: i for i, k in enumerate(self.mro)}
        raw.sort(key=lambda n: (rank[self.owner(n.name)], n.line))
        nodes = _link({n.name: n for n in raw})
        parameters = flow_parameters(flow_cls)
        parameter_lines = {
            attr: line
            for attr in parameters
            if (line := assignment_lines(self.classdef(self.owner(attr))).get(attr))
        }
        try:
            file = inspect.getsourcefile(flow_cls)
        except TypeError:
            file = None
        return FlowGraph(
            flow_cls.__name__,
            nodes,
            file=file,
            line=self.classdef(flow_cls).lineno,
            doc=_clean_doc(vars(flow_cls).get("__doc__")),
            parameters=parameters,
            parameter_lines=parameter_lines,
            methods=frozenset(methods),
        )

    def node(self, name: str, func: Any) -> StepNode:
        fnode = find_method(self.classdef(self.owner(name)), func.__name__)
        if fnode is None:
            fnode = parse_function(func)
        calls = next_calls(fnode)
        sig = signature(fnode)
        chosen = transition_call(calls)
        out_funcs = list(chosen.targets) if chosen else []
        foreach = chosen.foreach if chosen else None
        parallel_foreach = chosen is not None and chosen.num_parallel and foreach is None
        if parallel_foreach:
            foreach = PARALLEL_VAR
        is_join = sig.takes_inputs
        is_switch = chosen is not None and chosen.is_switch and foreach is None
        return StepNode(
            name=name,
            type=_step_type(name, out_funcs, foreach, is_join, is_switch),
            out_funcs=out_funcs,
            in_funcs=[],
            foreach_param=foreach,
            is_join=is_join,
            line=fnode.lineno,
            func_name=func.__name__,
            doc=_clean_doc(func.__doc__),
            decorators=list(step_decorators(func)),
            next_calls=tuple(calls),
            signature=sig,
            condition=chosen.condition if is_switch and chosen else None,
            switch_cases=chosen.cases if is_switch and chosen else (),
            parallel_foreach=parallel_foreach,
            parallel_step=any(d.name == "parallel" for d in step_decorators(func)),
        )


def _link(nodes: dict[str, StepNode]) -> dict[str, StepNode]:
    """Fill in in_funcs, split_parents and matching_join."""
    in_funcs: dict[str, list[str]] = {name: [] for name in nodes}
    for node in nodes.values():
        for target in node.out_funcs:
            if target in in_funcs and node.name not in in_funcs[target]:
                in_funcs[target].append(node.name)
    topology = analyse(_edges(nodes))
    return {
        name: replace(
            node,
            in_funcs=in_funcs[name],
            split_parents=list(topology.split_parents.get(name, [])),
            matching_join=topology.matching_join.get(name),
        )
        for name, node in nodes.items()
    }
