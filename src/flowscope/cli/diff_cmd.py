"""`flowscope diff A B [--json] [--all]`: what changed from run A to run B of one flow."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from flowscope.errors import InvalidPathspec


def _run_pathspec(text: str) -> str:
    if text.count("/") != 1:
        raise InvalidPathspec(
            f"{text!r:.80} does not name a run: expected FLOW/RUN, e.g. TrainFlow/41."
        )
    return text


def diff_command(
    a: str, b: str, as_json: bool = False, show_all: bool = False, out: TextIO | None = None
) -> int:
    """Print the diff of runs `a` and `b` (differences only unless `show_all`)."""
    from flowscope.client import Run

    out = out or sys.stdout
    diff = Run(_run_pathspec(a)).diff(Run(_run_pathspec(b)), all_values=show_all)
    if as_json:
        out.write(
            json.dumps(diff.to_dict(differences_only=not show_all), indent=2, allow_nan=False)
        )
        out.write("\n")
    else:
        out.write(diff.text(differences_only=not show_all))
    return 0
