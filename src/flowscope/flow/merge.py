"""Plan `merge_artifacts`: which artifacts a join adopts from its inputs. Pure.

Artifacts are compared by content hash only; nothing is loaded. An artifact every input that
has it agrees on is adopted as a pass-through; one that differs is a MergeConflict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from flowscope.errors import FlowDefinitionError, MergeConflict
from flowscope.flow.contract import ArtifactSource
from flowscope.flow.names import INTERNAL_PREFIX, RESERVED
from flowscope.frozen import Frozen, init

MAX_LABELS = 5


class MergeInput(Frozen):
    """One input of a join: a label for messages ('a', 'train[3]') and its artifacts.

    Labels should be unique; `plan_merge` numbers repeated ones ('train (input 2)')."""

    __slots__ = ("label", "source")
    label: str
    source: ArtifactSource | None

    def __init__(self, label: str, source: ArtifactSource | None) -> None:
        init(self, "label", label)
        init(self, "source", source)


class Adopted(Frozen):
    """An artifact adopted by a merge: its hash, and a source to load it from if read."""

    __slots__ = ("sha", "source")
    sha: str
    source: ArtifactSource

    def __init__(self, sha: str, source: ArtifactSource) -> None:
        init(self, "sha", sha)
        init(self, "source", source)


def _names_list(arg: Iterable[str] | None, keyword: str, step: str) -> list[str] | None:
    if arg is None:
        return None
    names = [] if isinstance(arg, str) else list(arg)
    if isinstance(arg, str) or not all(isinstance(n, str) for n in names):
        raise FlowDefinitionError(
            f"merge_artifacts in step '{step}': {keyword}= takes a list of artifact names, "
            f"e.g. {keyword}=['x', 'y']; got {arg!r}."
        )
    return names


def plan_merge(
    inputs: Sequence[MergeInput],
    *,
    step: str,
    skip: Collection[str],
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> dict[str, Adopted]:
    """The artifacts to adopt, by name; raises MergeConflict listing every conflict."""
    if include is not None and exclude is not None:
        raise FlowDefinitionError(
            f"merge_artifacts in step '{step}': give include= or exclude=, not both."
        )
    included = _names_list(include, "include", step)
    excluded = set(_names_list(exclude, "exclude", step) or ())
    found: dict[str, dict[str, list[MergeInput]]] = {}
    for inp in _unique_labels(inputs):
        if inp.source is None:
            continue
        for name in inp.source.names():
            found.setdefault(name, {}).setdefault(inp.source.sha(name), []).append(inp)
    if included is not None:
        missing = [n for n in included if n not in found]
        if missing:
            raise FlowDefinitionError(
                f"merge_artifacts in step '{step}': include= names "
                f"{', '.join(repr(n) for n in missing)}, but no input has such an artifact."
            )
    wanted = [
        name
        for name in (included if included is not None else found)
        if name not in skip
        and name not in excluded
        and name not in RESERVED
        and not name.startswith(INTERNAL_PREFIX)
    ]
    conflicts = [name for name in wanted if len(found[name]) > 1]
    if conflicts:
        raise MergeConflict(_conflict_message(step, {n: found[n] for n in conflicts}))
    adopted: dict[str, Adopted] = {}
    for name in wanted:
        ((sha, holders),) = found[name].items()
        source = holders[0].source
        assert source is not None
        adopted[name] = Adopted(sha, source)
    return adopted


def _unique_labels(inputs: Sequence[MergeInput]) -> list[MergeInput]:
    counts = Counter(inp.label for inp in inputs)
    return [
        inp if counts[inp.label] == 1 else MergeInput(f"{inp.label} (input {i})", inp.source)
        for i, inp in enumerate(inputs)
    ]


def _labels(holders: list[MergeInput]) -> str:
    labels = [h.label for h in holders[:MAX_LABELS]]
    if len(holders) > MAX_LABELS:
        labels.append(f"{len(holders) - MAX_LABELS} more")
    return ", ".join(labels)


def _conflict_message(step: str, conflicts: dict[str, dict[str, list[MergeInput]]]) -> str:
    lines = []
    for name, by_sha in conflicts.items():
        groups = "; ".join(
            f"value {i}: {_labels(holders)}" for i, holders in enumerate(by_sha.values(), 1)
        )
        lines.append(f"'{name}' differs between inputs ({groups})")
    names = list(conflicts)
    first = names[0]
    return (
        f"merge_artifacts in step '{step}' found conflicting values: {'; '.join(lines)}. Set "
        f"self.{first} = ... in the join before calling merge_artifacts, or pass "
        f"exclude={names!r}."
    )
