"""The gangs of @parallel steps: which tasks start together, and how a gang ends.

A step that calls `self.next(self.train, num_parallel=N)` unlocks N tasks of `train` at once
(node order); they form one gang (`TaskSpec.gang`, their task ids). The runner starts a gang's
tasks together and holds back what each member's end means until every member has ended:

- all of them succeeded (or were handled by @catch): the tasks after them are scheduled;
- one failed: the others still running are stopped at once (`to_cancel`), and once all have
  ended the whole gang is retried (every member, next attempt) or, on its last attempt, fails
  the run.

Bookkeeping only: no process, no store (see flow/gang.py for the semantics).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from flowscope.frozen import Frozen, init, replace
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.spec import TaskSpec


class MemberEnd(Frozen):
    """How one member's attempt ended."""

    __slots__ = ("spec", "good", "artifacts", "pathspec", "message")
    spec: TaskSpec
    good: bool  # succeeded, or handled by @catch
    artifacts: list[ArtifactRecord]
    pathspec: str
    message: str  # the failure's message ('' when good)

    def __init__(
        self,
        spec: TaskSpec,
        good: bool,
        artifacts: list[ArtifactRecord],
        pathspec: str,
        message: str,
    ) -> None:
        init(self, "spec", spec)
        init(self, "good", good)
        init(self, "artifacts", artifacts)
        init(self, "pathspec", pathspec)
        init(self, "message", message)


class Gang:
    __slots__ = ("members", "ended", "failed_by")
    members: tuple[int, ...]  # task ids, node order
    ended: dict[int, MemberEnd]  # this attempt's ends so far
    failed_by: MemberEnd | None  # the first member of this attempt that failed

    def __init__(
        self,
        members: tuple[int, ...],
        ended: dict[int, MemberEnd] | None = None,
        failed_by: MemberEnd | None = None,
    ) -> None:
        self.members = members
        self.ended = {} if ended is None else ended
        self.failed_by = failed_by

    @property
    def complete(self) -> bool:
        return len(self.ended) == len(self.members)

    def ends(self) -> list[MemberEnd]:
        """This attempt's ends in node order; forgets them, for the next attempt."""
        found = [self.ended[t] for t in self.members]
        self.ended = {}
        return found


class Gangs:
    """The gangs of one run, by member task id."""

    def __init__(self) -> None:
        self._of: dict[int, Gang] = {}

    def form(self, specs: Sequence[TaskSpec]) -> list[TaskSpec]:
        """Make the tasks one num_parallel= step unlocked a gang."""
        members = tuple(s.task_id for s in specs)
        gang = Gang(members)
        for task_id in members:
            self._of[task_id] = gang
        return [replace(s, gang=members) for s in specs]

    def of(self, spec: TaskSpec) -> Gang:
        return self._of[spec.task_id]

    @staticmethod
    def take(ready: deque[TaskSpec], first: TaskSpec) -> list[TaskSpec]:
        """`first` and the other members of its gang waiting in `ready` (taken out of it)."""
        others = [s for s in ready if s.gang == first.gang and s is not first]
        for spec in others:
            ready.remove(spec)
        return sorted([first, *others], key=lambda s: s.node_index)

    def ended(self, end: MemberEnd) -> tuple[list[int], list[MemberEnd] | None]:
        """Note one member's end: (task ids to stop now, every member's end once the last
        one is in, else None)."""
        gang = self.of(end.spec)
        gang.ended[end.spec.task_id] = end
        cancel: list[int] = []
        if not end.good and gang.failed_by is None:
            gang.failed_by = end
            cancel = [t for t in gang.members if t not in gang.ended]
        if not gang.complete:
            return cancel, None
        return cancel, gang.ends()

    def failure(self, spec: TaskSpec) -> MemberEnd | None:
        """The member whose failure stopped this attempt of the gang, if one did."""
        return self.of(spec).failed_by

    def reset(self, spec: TaskSpec) -> None:
        """A new attempt of the gang begins."""
        self.of(spec).failed_by = None
