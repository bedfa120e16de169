"""Names the framework keeps for itself, and "did you mean" suggestions. Pure.

`RESERVED` holds the public attributes of `FlowSpec`: they can be neither artifacts nor
parameters. `RESERVED_PARAMETER_NAMES` adds the options the command line uses itself.
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterable
from typing import Final

RESERVED: Final = frozenset({"foreach_stack", "index", "input", "merge_artifacts", "name", "next"})

RESERVED_PARAMETER_NAMES: Final = RESERVED | frozenset(
    {"help", "max_workers", "metadata", "tag", "tags"}
)

INTERNAL_PREFIX: Final = "_fs_"


def is_identifier(name: object) -> bool:
    """True for a string that is a Python identifier and not a keyword."""
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A sentence suggesting the closest candidates to `name`, or "" when none is close."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
