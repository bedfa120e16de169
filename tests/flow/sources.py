"""Helpers for driving FlowSpec by hand, as the runtime drives it: an in-memory artifact source,
a flow instance bound to a step, and the two inputs of BranchFlow's join."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowscope.flow import Inputs

from .shapes import BranchFlow


class FakeSource:
    """An ArtifactSource over a dict name -> (sha, value) that records what it loads."""

    def __init__(self, artifacts: dict[str, tuple[str, Any]]) -> None:
        self.artifacts = artifacts
        self.loads: list[str] = []

    def names(self) -> Iterable[str]:
        return list(self.artifacts)

    def sha(self, name: str) -> str:
        return self.artifacts[name][0]

    def load(self, name: str) -> Any:
        self.loads.append(name)
        return self.artifacts[name][1]


def bound(flow_cls: type, step_name: str, source: Any = None, **kwargs: Any) -> Any:
    flow = flow_cls(use_cli=False)
    flow._fs_bind(step_name, source, **kwargs)
    return flow


def branch_inputs(a: dict[str, tuple[str, Any]], b: dict[str, tuple[str, Any]]) -> Any:
    sources = {"a": FakeSource(a), "b": FakeSource(b)}
    flows = [bound(BranchFlow, name, source) for name, source in sources.items()]
    return Inputs(flows), sources
