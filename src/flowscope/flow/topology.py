"""Walk a step graph: reachability, cycles, topological order, split nesting. Pure.

The split stack of a step lists the split and foreach steps that enclose it, innermost last.
A split (several targets, or foreach=) pushes itself for its children; a join (a step that
takes `inputs`) closes the innermost split, so its children get the stack without it. Like
Metaflow, a join's own `split_parents` still ends with the split it closes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

_Children: TypeAlias = Callable[[str], list[str]]


@dataclass(frozen=True)
class Edges:
    """What the walk needs to know of one step."""

    out_funcs: tuple[str, ...]
    is_join: bool
    is_split: bool


@dataclass(frozen=True)
class Arrival:
    """A parent step reaching a step, with the split stack it brings along."""

    parent: str
    stack: tuple[str, ...]


@dataclass
class Topology:
    """Results of walking the graph from `start`."""

    order: list[str]
    reachable: frozenset[str]
    cycle: tuple[str, ...] | None
    arrivals: dict[str, list[Arrival]] = field(default_factory=dict)
    split_parents: dict[str, list[str]] = field(default_factory=dict)
    matching_join: dict[str, str] = field(default_factory=dict)


def analyse(edges: Mapping[str, Edges], start: str = "start") -> Topology:
    """Walk `edges` (in source order) from `start`. Unknown targets are ignored."""

    def children(name: str) -> list[str]:
        return [t for t in edges[name].out_funcs if t in edges]

    if start not in edges:
        return Topology(order=list(edges), reachable=frozenset(), cycle=None)
    reachable = _reachable(start, children)
    cycle = _find_cycle(start, children)
    order = _topological(edges, reachable, children)
    topology = Topology(order=order, reachable=reachable, cycle=cycle)
    if cycle is None:
        _split_stacks(edges, order, reachable, children, topology)
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


def _find_cycle(start: str, children: _Children) -> tuple[str, ...] | None:
    """The first cycle met by a depth-first walk from start, as a closed path."""
    done: set[str] = set()
    path = [start]
    on_path = {start}
    stack = [iter(children(start))]
    while stack:
        for child in stack[-1]:
            if child in on_path:
                return (*path[path.index(child) :], child)
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
    return None


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
        topology.split_parents[name] = list(stack)
        node = edges[name]
        if node.is_join and stack:
            topology.matching_join.setdefault(stack[-1], name)
            stack = stack[:-1]
        if node.is_split:
            stack = (*stack, name)
        for child in children(name):
            arrivals[child].append(Arrival(name, stack))
    topology.arrivals = arrivals
