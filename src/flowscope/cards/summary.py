"""What the default card shows about a task: a small typed value the runtime fills in.

    TaskSummary(
        flow_name="TrainFlow", pathspec="TrainFlow/3/train/4",
        parameters=(("alpha", "0.5"),),
        artifacts=(ArtifactSummary("score", "float", 24, "0.93"),),
        graph=GraphView(steps=..., edges=..., current="train"),
        started_at=1764760000.0, finished_at=1764760003.2,
        stdout_tail="epoch 9 loss 0.12\\n", stderr_tail="")

The caller gives previews (short strings it made from values it could afford to load, or
from their metadata): the card never loads an artifact. Long previews and tails are cut here
all the same, so a card's size stays bounded whatever it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flowscope.cards.graph_svg import GraphView

PREVIEW_LIMIT = 300  # characters of one artifact or parameter preview shown
TAIL_LINES = 100  # lines of output shown
TAIL_CHARS = 20_000  # characters of output shown


@dataclass(frozen=True)
class ArtifactSummary:
    """One artifact: its name, type name, stored size in bytes (None when unknown) and a
    short preview (None when the caller chose not to make one, e.g. for a large value)."""

    name: str
    type: str
    size: int | None
    preview: str | None


@dataclass(frozen=True)
class TaskSummary:
    """Everything the default card shows. Times are seconds since the epoch (UTC)."""

    flow_name: str
    pathspec: str
    parameters: Sequence[tuple[str, str]] = ()
    artifacts: Sequence[ArtifactSummary] = ()
    graph: GraphView | None = None
    started_at: float | None = None
    finished_at: float | None = None
    attempt: int = 0
    status: str | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    extra: Sequence[tuple[str, str]] = field(default=())

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish, when both are known."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(self.finished_at - self.started_at, 0.0)


def tail(output: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The last `lines` lines of `output`, and at most its last `chars` characters."""
    if len(output) > chars:
        output = output[-chars:]
    kept = output.splitlines()[-lines:]
    return "\n".join(kept)
