"""Parse, validate and format object addresses ("pathspecs"). Pure.

A pathspec is `Flow/run_id/step/task_id/artifact`, each prefix naming one level of the
object hierarchy. Every id that reaches the filesystem or SQL has passed `check_id` first.
"""

from __future__ import annotations

import re
from typing import Final

from flowscope.errors import InvalidPathspec

LEVELS: Final = ("flow", "run", "step", "task", "artifact")
CLASS_NAMES: Final = ("Flow", "Run", "Step", "Task", "DataArtifact")
MAX_ID_LENGTH: Final = 200

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"[1-9][0-9]{0,17}\Z")

EXAMPLES: Final = {
    "flow": "Flow('FlowName')",
    "run": "Run('FlowName/RunID')",
    "step": "Step('FlowName/RunID/StepName')",
    "task": "Task('FlowName/RunID/StepName/TaskID')",
    "artifact": "DataArtifact('FlowName/RunID/StepName/TaskID/ArtifactName')",
}


def is_name(value: object) -> bool:
    """True for a flow, step or artifact name a pathspec can address: an ASCII Python
    identifier of at most MAX_ID_LENGTH characters. The one rule for names, used by the
    runtime (at run start), the client, the CLI and the service."""
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and bool(_NAME.match(value))


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_id(level: str, value: object) -> str:
    """Return `value` if it is a valid id for `level`, else raise InvalidPathspec.

    Flow, step and artifact names are Python identifiers; run and task ids are positive
    integers written in decimal. Keys are always strings, even numeric ids.
    """
    if not isinstance(value, str):
        raise InvalidPathspec(
            f"A {level} id must be a string, got {type(value).__name__} {_describe(value)}; "
            f"ids are strings even when numeric, e.g. flow['2']."
        )
    if len(value) > MAX_ID_LENGTH:
        raise InvalidPathspec(
            f"The {level} id {_describe(value)} is {len(value)} characters long; "
            f"the limit is {MAX_ID_LENGTH}."
        )
    pattern = _NUMBER if level in ("run", "task") else _NAME
    if not pattern.match(value):
        kind = (
            "a positive integer such as '2'"
            if level in ("run", "task")
            else "an ASCII Python identifier (A-Z, a-z, 0-9, _)"
        )
        raise InvalidPathspec(f"{_describe(value)} is not a valid {level} id: expected {kind}.")
    return value


def parse(pathspec: object, level: str) -> tuple[str, ...]:
    """Split a pathspec for an object at `level` into its validated components."""
    depth = LEVELS.index(level) + 1
    expected = EXAMPLES[level]
    if not isinstance(pathspec, str):
        raise InvalidPathspec(
            f"A pathspec must be a string such as {expected}, got {type(pathspec).__name__} "
            f"{_describe(pathspec)}."
        )
    parts = pathspec.split("/")
    if len(parts) != depth or not all(parts):
        raise InvalidPathspec(
            f"{_describe(pathspec)} is not a valid {level} pathspec: expected {expected}."
        )
    try:
        return tuple(check_id(lvl, part) for lvl, part in zip(LEVELS, parts, strict=False))
    except InvalidPathspec as exc:
        raise InvalidPathspec(
            f"{exc} (in pathspec {_describe(pathspec)}; expected {expected})"
        ) from None


def level_of(pathspec: str) -> str:
    """The level named by a pathspec of 1 to 5 components (validated)."""
    count = len(pathspec.split("/")) if isinstance(pathspec, str) else 0
    if not 1 <= count <= len(LEVELS):
        raise InvalidPathspec(
            f"{_describe(pathspec)} is not a pathspec: expected 1 to 5 parts, "
            f"like {EXAMPLES['task']}."
        )
    level = LEVELS[count - 1]
    parse(pathspec, level)
    return level


def format_pathspec(*components: str | int) -> str:
    return "/".join(str(c) for c in components)
