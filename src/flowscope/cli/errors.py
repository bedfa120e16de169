"""The one place where errors become exit codes and one-line messages.

Every command (`flowscope ...`, `flowscope service ...`, `python flow.py ...`) runs through
`guarded`. A FlowscopeError is the user's to fix: its message on one line, its `exit_code`.
Ctrl-C is 130. Anything else is a bug in flowscope and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from flowscope.errors import FlowscopeError

EXIT_INTERRUPTED = 130


def exit_code_of(exc: FlowscopeError) -> int:
    """The process exit code for `exc` (1 unless its class says otherwise, e.g. 2 for usage)."""
    return int(getattr(exc, "exit_code", 1))


def guarded(command: Callable[[], int], prog: str | None = None) -> int:
    """Run a CLI command and return its exit code; errors are reported as `[prog: ]error: ...`."""
    prefix = f"{prog}: error" if prog else "error"
    try:
        return command()
    except FlowscopeError as exc:
        sys.stdout.flush()
        print(f"{prefix}: {exc}", file=sys.stderr)
        return exit_code_of(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `... | head`
        return 0
