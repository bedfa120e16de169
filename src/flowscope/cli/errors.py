"""The one place where errors become exit codes and one-line messages."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import NoReturn

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


def run_and_exit(command: Callable[[], int]) -> NoReturn:
    """Run a CLI command through `guarded`, then leave the process. Once the command has
    returned, its outcome is decided (and, for a run, recorded): a Ctrl-C that lands now, while
    the process flushes and shuts down, is ignored instead of killing the process by signal."""
    code = EXIT_INTERRUPTED
    try:
        code = guarded(command)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:  # landed in the instant after the command returned
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
