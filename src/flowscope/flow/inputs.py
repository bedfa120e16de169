"""`Inputs`: what a join step receives, one read-only flow instance per parent task.

In a join, `inputs.a.x` reads the artifact `x` of branch step `a` (static split); iteration and
`inputs[i]` give the inputs in order (index order for a foreach).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, overload

from flowscope.flow.names import did_you_mean

if TYPE_CHECKING:
    from flowscope.flow.spec import FlowSpec


class Inputs:
    """The inputs of a join, in order: `inputs.<step>`, `inputs[i]`, iteration and `len`."""

    __slots__ = ("_flows",)

    def __init__(self, flows: Iterable[FlowSpec]) -> None:
        self._flows = list(flows)
        for flow in self._flows:
            object.__setattr__(flow, "_fs_read_only", True)  # internal state, not an artifact

    def __len__(self) -> int:
        return len(self._flows)

    def __iter__(self) -> Iterator[FlowSpec]:
        return iter(self._flows)

    @overload
    def __getitem__(self, index: int) -> FlowSpec: ...
    @overload
    def __getitem__(self, index: slice) -> list[FlowSpec]: ...
    def __getitem__(self, index: int | slice) -> FlowSpec | list[FlowSpec]:
        return self._flows[index]

    def __getattr__(self, name: str) -> FlowSpec:
        if name.startswith("__"):
            raise AttributeError(name)
        matches = [f for f in self._flows if f._fs_step == name]
        if len(matches) == 1:
            return matches[0]
        steps = [f._fs_step for f in self._flows if f._fs_step]
        if matches:
            raise AttributeError(
                f"inputs.{name} is ambiguous: {len(matches)} inputs come from step '{name}' "
                f"(a foreach); iterate over inputs or use inputs[i]."
            )
        listed = ", ".join(dict.fromkeys(steps)) or "none"
        raise AttributeError(
            f"This join has no input from a step '{name}' (inputs come from: {listed})."
            f"{did_you_mean(name, steps)}"
        )

    def __repr__(self) -> str:
        return f"Inputs({[f._fs_label() for f in self._flows]})"
