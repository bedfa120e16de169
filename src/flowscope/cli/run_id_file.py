"""`--run-id-file PATH` on run and resume: the new run's id, written as soon as it is known.

A program that starts a run in a subprocess (the Runner API, a shell script) reads the file to
learn which run it started, without parsing the console. The file holds the run id only (as
the family's does) and appears whole: it is written to a temporary file and renamed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TextIO

from flowscope.errors import RunError
from flowscope.runtime.console import Console


def check_writable(path: str) -> Path:
    """The file to write, refused before anything runs when its directory does not exist."""
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise RunError(
            f"--run-id-file {path!r}: the directory {str(target.parent)!r} does not exist; "
            f"create it or name a file in an existing directory."
        )
    if target.is_dir():
        raise RunError(f"--run-id-file {path!r} is a directory; name a file to write.")
    return target


def write_atomically(target: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class RunIdConsole(Console):
    """The run's console, which also writes the run id to `target` when the run starts."""

    def __init__(self, target: Path, out: TextIO | None = None, quiet: bool = False) -> None:
        super().__init__(out=out, quiet=quiet)
        self.target = target

    def run_started(self, pathspec: str, user: str, resumed_from: str | None = None) -> None:
        try:
            write_atomically(self.target, pathspec.rsplit("/", 1)[-1])
        except OSError as exc:
            raise RunError(
                f"Cannot write the run id of {pathspec} to --run-id-file "
                f"{str(self.target)!r}: {exc.strerror or exc}."
            ) from exc
        super().run_started(pathspec, user, resumed_from)
