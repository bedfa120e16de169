"""Names the framework keeps for itself, and "did you mean" suggestions. Pure.

`RESERVED` holds the public attributes of `FlowSpec`: they can be neither artifacts nor
parameters. `RESERVED_PARAMETER_NAMES` adds the options the command line uses itself.
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterable
from typing import Final

from flowscope.pathspec import MAX_ID_LENGTH, is_name

RESERVED: Final = frozenset({"foreach_stack", "index", "input", "merge_artifacts", "name", "next"})

RESERVED_PARAMETER_NAMES: Final = RESERVED | frozenset(
    {"help", "max_workers", "metadata", "tag", "tags"}
)

INTERNAL_PREFIX: Final = "_fs_"


def is_identifier(name: object) -> bool:
    """True for a name a pathspec can address (`pathspec.is_name`) that is not a keyword."""
    return is_name(name) and not keyword.iskeyword(name)  # type: ignore[arg-type]


def name_problem(kind: str, name: object) -> str | None:
    """Why `name` cannot be the name of a flow, step or artifact, or None if it can.

    Python accepts non-ASCII identifiers (and NFKC-normalizes them, so the name in the source
    may not be the name recorded), while addresses - pathspecs, URLs, file paths, shell
    commands - take ASCII names only; a run is refused when it starts rather than recorded
    under a name nothing can address."""
    if is_name(name):
        return None
    text = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
    length = f" ({len(name)} characters)" if isinstance(name, str) else ""
    return (
        f"The {kind} name {text}{length} cannot be used: flow, step and artifact names must be "
        f"ASCII Python identifiers (A-Z, a-z, 0-9, _; not starting with a digit) of at most "
        f"{MAX_ID_LENGTH} characters, so that runs can be addressed. Rename the {kind}."
    )


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A sentence suggesting the closest candidates to `name`, or "" when none is close."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
