"""The one place where errors become exit codes and one-line messages."""

from __future__ import annotations

import sys
from collections.abc import Callable

from flowscope.errors import FlowscopeError

EXIT_INTERRUPTED = 130


def guarded(command: Callable[[], int]) -> int:
    """Run a CLI command; a FlowscopeError prints its message (no traceback) and sets the exit
    code. Anything else is a bug in flowscope and keeps its traceback."""
    try:
        return command()
    except FlowscopeError as exc:
        sys.stdout.flush()
        print(f"error: {exc}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `... | head`
        return 0
