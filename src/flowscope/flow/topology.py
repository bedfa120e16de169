"""Walk a step graph: reachability, loops and cycles, topological order, split nesting. Pure.

The split stack of a step lists the split and foreach steps that enclose it, innermost last.
A split (several targets, or foreach=) pushes itself for its children; a join (a step that
takes `inputs`) closes the innermost split, so its children get the stack without it. Like
Metaflow, a join's own `split_parents` still ends with the split it closes. A switch pushes
nothing: each case gets the switch's stack. Each arrival also carries its *branch*: for every
split on the stack, the child of that split the path went through.

A depth-first walk from start, targets in source order, finds the edges that go back to a
step on the current path. Such an edge out of a switch is a *loop* (legal: see
flow/switch.py); any other one closes a *cycle* (an error). Order, stacks, and the
`conditional` and `looping` sets are computed on the graph without its loops.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from typing import TypeAlias

from flowscope.frozen import Frozen, init

_Children: TypeAlias = Callable[[str], list[str]]


class Edges(Frozen):
    """What the walk needs to know of one step."""

    __slots__ = ("out_funcs", "is_join", "is_split", "is_switch")
    out_funcs: tuple[str, ...]
    is_join: bool
    is_split: bool
    is_switch: bool

    def __init__(
        self,
        out_funcs: tuple[str, ...],
        is_join: bool,
        is_split: bool,
        is_switch: bool = False,
    ) -> None:
        init(self, "out_funcs", out_funcs)
        init(self, "is_join", is_join)
        init(self, "is_split", is_split)
        init(self, "is_switch", is_switch)


class Arrival(Frozen):
    """A parent step reaching a step, with the split stack it brings along."""

    __slots__ = ("parent", "stack", "branch")
    parent: str
    stack: tuple[str, ...]
    branch: tuple[str, ...]

    def __init__(self, parent: str, stack: tuple[str, ...], branch: tuple[str, ...] = ()) -> None:
        init(self, "parent", parent)
        init(self, "stack", stack)
        init(self, "branch", branch)


class Topology:
    """Results of walking the graph from `start`.

    `loops` lists (switch, target) loop edges; `exit_stacks` the stack each step hands its
    children; `conditional` the steps that may not run; `looping` the steps that may run more
    than once per enclosing foreach item (see flow/switch.py).
    """

    __slots__ = (
        "order",
        "reachable",
        "cycle",
        "loops",
        "arrivals",
        "split_parents",
        "exit_stacks",
        "matching_join",
        "conditional",
        "looping",
    )
    order: list[str]
    reachable: frozenset[str]
    cycle: tuple[str, ...] | None
    loops: tuple[tuple[str, str], ...]
    arrivals: dict[str, list[Arrival]]
    split_parents: dict[str, list[str]]
    exit_stacks: dict[str, tuple[str, ...]]
    matching_join: dict[str, str]
    conditional: frozenset[str]
    looping: frozenset[str]

    def __init__(
        self,
        order: list[str],
        reachable: frozenset[str],
        cycle: tuple[str, ...] | None,
        loops: tuple[tuple[str, str], ...] = (),
        arrivals: dict[str, list[Arrival]] | None = None,
        split_parents: dict[str, list[str]] | None = None,
        exit_stacks: dict[str, tuple[str, ...]] | None = None,
        matching_join: dict[str, str] | None = None,
        conditional: frozenset[str] = frozenset(),
        looping: frozenset[str] = frozenset(),
    ) -> None:
        self.order = order
        self.reachable = reachable
        self.cycle = cycle
        self.loops = loops
        self.arrivals = {} if arrivals is None else arrivals
        self.split_parents = {} if split_parents is None else split_parents
        self.exit_stacks = {} if exit_stacks is None else exit_stacks
        self.matching_join = {} if matching_join is None else matching_join
        self.conditional = conditional
        self.looping = looping


def analyse(edges: Mapping[str, Edges], start: str = "start") -> Topology:
    """Walk `edges` (in source order) from `start`. Unknown targets are ignored."""

    def children(name: str) -> list[str]:
        return [t for t in edges[name].out_funcs if t in edges]

    if start not in edges:
        return Topology(order=list(edges), reachable=frozenset(), cycle=None)
    reachable = _reachable(start, children)
    cycle, loops = _back_edges(start, children, lambda name: edges[name].is_switch)
    back = set(loops)

    def forward(name: str) -> list[str]:
        return [t for t in children(name) if (name, t) not in back]

    order = _topological(edges, reachable, forward)
    topology = Topology(order=order, reachable=reachable, cycle=cycle, loops=loops)
    if cycle is None:
        _split_stacks(edges, order, reachable, forward, topology)
        topology.conditional = _conditional(edges, reachable, forward)
        topology.looping = _looping(loops, reachable, forward)
    return topology


def _reachable(start: str, children: _Children) -> frozenset[str]:
    seen = {start}
    todo = [start]
    while todo:
        for child in children(todo.pop()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return frozenset(seen)


def _back_edges(
    start: str, children: _Children, is_switch: Callable[[str], bool]
) -> tuple[tuple[str, ...] | None, tuple[tuple[str, str], ...]]:
    """(the first cycle not closed by a switch, as a closed path; the loop edges met first)."""
    loops: list[tuple[str, str]] = []
    done: set[str] = set()
    path = [start]
    on_path = {start}
    stack = [iter(children(start))]
    while stack:
        for child in stack[-1]:
            if child in on_path:
                if is_switch(path[-1]):
                    loops.append((path[-1], child))
                    continue
                return (*path[path.index(child) :], child), tuple(loops)
            if child not in done:
                path.append(child)
                on_path.add(child)
                stack.append(iter(children(child)))
                break
        else:
            stack.pop()
            finished = path.pop()
            on_path.discard(finished)
            done.add(finished)
    return None, tuple(loops)


def _reach(source: str, children: _Children) -> set[str]:
    """`source` and every step reachable from it."""
    return set(_reachable(source, children))


def _conditional(
    edges: Mapping[str, Edges], reachable: frozenset[str], forward: _Children
) -> frozenset[str]:
    """Steps that some switch's case cannot reach although another case can."""
    found: set[str] = set()
    for name in reachable:
        cases = forward(name)
        if edges[name].is_switch and len(cases) > 1:
            sets = [_reach(c, forward) for c in cases]
            everywhere = sets[0].intersection(*sets[1:])
            found |= sets[0].union(*sets[1:]) - everywhere
    return frozenset(found)


def _looping(
    loops: tuple[tuple[str, str], ...], reachable: frozenset[str], forward: _Children
) -> frozenset[str]:
    """Steps on a loop: reachable from a loop's target and reaching its switch."""
    found: set[str] = set()
    for switch, target in loops:
        found |= {n for n in _reach(target, forward) if switch in _reach(n, forward)}
    return frozenset(found & reachable)


def _topological(
    edges: Mapping[str, Edges], reachable: frozenset[str], children: _Children
) -> list[str]:
    """Reachable steps parents-first (ties in source order), then the rest in source order."""
    position = {name: i for i, name in enumerate(edges)}
    indegree = dict.fromkeys(reachable, 0)
    for name in reachable:
        for child in children(name):
            indegree[child] += 1
    ready = [(position[n], n) for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for child in children(name):
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, (position[child], child))
    placed = set(order)
    order.extend(n for n in edges if n in reachable and n not in placed)
    order.extend(n for n in edges if n not in reachable)
    return order


def _split_stacks(
    edges: Mapping[str, Edges],
    order: list[str],
    reachable: frozenset[str],
    children: _Children,
    topology: Topology,
) -> None:
    arrivals: dict[str, list[Arrival]] = {name: [] for name in reachable}
    for name in order:
        if name not in reachable:
            continue
        incoming = arrivals[name]
        stack: tuple[str, ...] = incoming[0].stack if incoming else ()
        branch: tuple[str, ...] = incoming[0].branch if incoming else ()
        topology.split_parents[name] = list(stack)
        node = edges[name]
        if node.is_join and stack:
            topology.matching_join.setdefault(stack[-1], name)
            stack, branch = stack[:-1], branch[:-1]
        topology.exit_stacks[name] = stack
        for child in children(name):
            if node.is_split:
                arrivals[child].append(Arrival(name, (*stack, name), (*branch, child)))
            else:
                arrivals[child].append(Arrival(name, stack, branch))
    topology.arrivals = arrivals
