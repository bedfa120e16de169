"""The values the runtime and a FlowSpec exchange: sources, transitions, foreach frames.

The runtime gives each task a flow instance bound to an `ArtifactSource` (its parent task's
artifacts), and after the step reads back a `Transition` and the outputs. See
`FlowSpec._fs_bind`, `FlowSpec._fs_transition` and `FlowSpec._fs_outputs`.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from typing import Any, Final, Protocol, runtime_checkable

from flowscope.errors import FlowDefinitionError
from flowscope.frozen import Frozen, init


@runtime_checkable
class ArtifactSource(Protocol):
    """The artifacts of one finished task, as the runtime provides them."""

    def names(self) -> Iterable[str]:
        """The artifact names."""
        ...

    def sha(self, name: str) -> str:
        """The content hash of an artifact; cheap, loads nothing."""
        ...

    def load(self, name: str) -> Any:
        """The value of an artifact; may be slow."""
        ...


class Transition(Frozen):
    """What a step asked for with self.next(...): target step names, and foreach's artifact.

    For a switch, `targets` holds only the chosen case's step, `condition` the artifact's
    name and `case` the key its value selected. For num_parallel=N, `num_parallel` is N.
    """

    __slots__ = ("targets", "foreach", "condition", "case", "num_parallel")
    targets: tuple[str, ...]
    foreach: str | None
    condition: str | None
    case: str | int | None
    num_parallel: int | None

    def __init__(
        self,
        targets: tuple[str, ...],
        foreach: str | None = None,
        condition: str | None = None,
        case: str | int | None = None,
        num_parallel: int | None = None,
    ) -> None:
        init(self, "targets", targets)
        init(self, "foreach", foreach)
        init(self, "condition", condition)
        init(self, "case", case)
        init(self, "num_parallel", num_parallel)


class ForeachFrame(Frozen):
    """One level of foreach around a task: which step fanned out over which artifact."""

    __slots__ = ("step", "var", "index", "num_splits", "value_repr")
    step: str
    var: str
    index: int
    num_splits: int
    value_repr: str

    def __init__(self, step: str, var: str, index: int, num_splits: int, value_repr: str) -> None:
        init(self, "step", step)
        init(self, "var", var)
        init(self, "index", index)
        init(self, "num_splits", num_splits)
        init(self, "value_repr", value_repr)

    @classmethod
    def for_item(cls, step: str, var: str, index: int, num_splits: int, value: Any) -> ForeachFrame:
        """A frame for item `index` of `num_splits`, with a bounded repr of the item."""
        return cls(step, var, index, num_splits, _short_repr(value))


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6


def _short_repr(value: Any) -> str:
    try:
        return _REPR.repr(value)
    except Exception as exc:  # noqa: BLE001 - a user's __repr__ may fail; keep the frame
        return f"<{type(value).__name__}: repr failed with {type(exc).__name__}>"


class _NoInput:
    """The `input` of a task that is not a foreach item."""

    def __repr__(self) -> str:
        return "NO_INPUT"


NO_INPUT: Final = _NoInput()


def foreach_items(flow: Any, var: str) -> list[Any]:
    """The items a step fans out over with foreach=var: list(flow.<var>), never empty."""
    step = getattr(flow, "_fs_step", None)
    try:
        value = getattr(flow, var)
    except AttributeError:
        raise FlowDefinitionError(
            f"step '{step}' uses foreach='{var}' but sets no artifact '{var}'; "
            f"set self.{var} = [...] before self.next(...)."
        ) from None
    try:
        items = list(value)
    except TypeError as exc:
        raise FlowDefinitionError(
            f"step '{step}': foreach='{var}' needs an iterable (list, tuple, range, ...), "
            f"but self.{var} is a {type(value).__name__}."
        ) from exc
    if not items:
        raise FlowDefinitionError(
            f"step '{step}': foreach='{var}' found no items (self.{var} is empty); "
            f"a foreach needs at least one item."
        )
    return items
