"""`python flow.py package info|list|save PATH`: the code package a run of this flow records.

The same files and the same archive as a run saves (runtime/recording.py): the flow file and
the Python files beside and below it. `list` shows them, `info` sums them up, `save` writes the
archive (a gzip'd tar) to a file, so what a run will carry can be checked before it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flowscope.errors import ParameterError


def add_package_parser(sub: Any) -> None:
    package = sub.add_parser(
        "package",
        help="show or save the code package a run of this flow records",
        description="The flow file and the Python files beside and below it, as a run saves "
        "them with its record.",
    )
    verbs = package.add_subparsers(dest="package_command", metavar="ACTION", required=True)
    verbs.add_parser("info", help="the package's script, file count and size")
    verbs.add_parser("list", help="the files in the package, one per line")
    save = verbs.add_parser("save", help="write the package (a .tar.gz) to PATH")
    save.add_argument("path", metavar="PATH")


def package_command(flow_cls: type, args: argparse.Namespace, script: str | None = None) -> int:
    from flowscope.runtime.recording import code_package, package_contents

    source = Path(script or (sys.argv[0] if sys.argv else ""))
    if source.suffix != ".py" or not source.is_file():
        raise ParameterError(
            "package needs the flow's file: run it as `python flow.py package ...` (a flow "
            "defined in a notebook has no code package)."
        )
    root, files = package_contents(source)
    source = source.resolve()
    if args.package_command == "list":
        for path in files:
            print(path.relative_to(root))
        return 0
    archive = code_package(source, flow_cls.__name__)
    if args.package_command == "info":
        size = sum(p.stat().st_size for p in files)
        print(
            f"Code package of {flow_cls.__name__}: {source.name} and {len(files) - 1} more "
            f"Python files from {root}"
        )
        print(f"{len(files)} files, {_kib(size)} of source, {_kib(len(archive))} packed")
        return 0
    target = Path(args.path)
    if target.is_dir():
        raise ParameterError(
            f"package save {args.path}: that is a directory; give a file path "
            f"such as {Path(args.path) / 'package.tar.gz'}."
        )
    try:
        target.write_bytes(archive)
    except OSError as exc:
        raise ParameterError(
            f"package save {args.path}: cannot write it ({exc.strerror})."
        ) from None
    print(
        f"Saved the code package of {flow_cls.__name__} ({len(files)} files, "
        f"{_kib(len(archive))}) to {target}"
    )
    return 0


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"
