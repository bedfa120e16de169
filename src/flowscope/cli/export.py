"""`dump --include a,b --file out.pkl`: take artifact values out of the store, for scripts.

The file holds what the family's `dump --file` writes: one pickled dict, keyed by each task's
`RUN/STEP/TASK`, whose values are dicts of artifact name -> value. Without `--include`, every
visible artifact (names not starting with `_`) is written. The file is written to a temporary
name and renamed, so a reader never sees half of it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flowscope.errors import DataStoreError, ParameterError
from flowscope.pathspec import check_id


def add_export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include",
        metavar="NAMES",
        help="only these artifacts (comma-separated names, e.g. --include alpha,model)",
    )
    parser.add_argument(
        "--file",
        metavar="PATH",
        help="write the values to this file as a pickled dict "
        "{'RUN/STEP/TASK': {name: value}} instead of listing them",
    )


def parse_include(text: str | None) -> tuple[str, ...] | None:
    """`a,b` -> ('a', 'b'); None when not given. Each name must be an artifact name."""
    if text is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise ParameterError("--include needs at least one artifact name, e.g. --include x,y.")
    for name in names:
        check_id("artifact", name)
    return names


def check_included(names: tuple[str, ...], tasks: Iterable[Any]) -> None:
    """Refuse a name that none of the tasks has: a typo should not give an empty file."""
    from flowscope.client.base import did_you_mean

    present: set[str] = set()
    for task in tasks:
        present.update(a.id for a in task)
    missing = [n for n in names if n not in present]
    if missing:
        hints = [did_you_mean(n, present) for n in missing]
        hint = " ".join(h for h in hints if h)
        raise ParameterError(
            f"--include names {', '.join(map(repr, missing))}, which no task of the dump has"
            + (f"; {hint}" if hint else f"; its artifacts are {', '.join(sorted(present))}.")
        )


def task_values(task: Any, include: tuple[str, ...] | None) -> dict[str, Any]:
    """The task's artifact values by name: the included ones, else every visible one."""
    if include is None:
        return {a.id: a.data for a in task}
    return {name: task[name].data for name in include if name in task}


def task_key(task: Any) -> str:
    """`RUN/STEP/TASK`, the key the family's dump file uses."""
    return "/".join(task.path_components[1:])


def write_pickle(path: str, value: Any) -> Path:
    import pickle  # only for `dump --file` (the command line of every run parses this module)
    import tempfile

    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise DataStoreError(
            f"Cannot write {path!r}: the directory {str(target.parent)!r} does not exist."
        )
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise DataStoreError(f"Cannot write {path!r}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise DataStoreError(f"Cannot write {path!r}: {exc.strerror or exc}.") from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
