"""`python flow.py COMMAND`: run, resume, show, check, logs, dump, tag.

`FlowSpec.__init__` hands control here when a flow file is run as a script.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flowscope.cli.errors import guarded
from flowscope.cli.export import add_export_options
from flowscope.errors import ParameterError, RunError

EPILOG = "Inspect runs from Python with: from flowscope import Flow; Flow('NAME').latest_run"


def _parameters(flow_cls: type) -> list[Any]:
    from flowscope.flow.parameters import Parameter

    found = []
    for klass in reversed(flow_cls.__mro__):
        for value in vars(klass).values():
            if isinstance(value, Parameter) and value not in found:
                found.append(value)
    return found


def build_parser(flow_cls: type) -> argparse.ArgumentParser:
    name = flow_cls.__name__
    parser = argparse.ArgumentParser(
        prog=f"python {Path(sys.argv[0]).name}",
        description=(flow_cls.__doc__ or f"The flow {name}.").strip().splitlines()[0],
        epilog=EPILOG,
    )
    parser.add_argument(
        "--metadata",
        metavar="URL_OR_DIR",
        help="record to / read from this metadata service URL or local store "
        "directory (default: FLOWSCOPE_SERVICE_URL, else the nearest .flowscope)",
    )
    parser.add_argument(
        "--datastore",
        metavar="DIR_OR_URL",
        help="store artifacts, logs and code packages in / read them from this directory or "
        "URL (default: FLOWSCOPE_DATASTORE, else the metadata store's own: a local store's "
        "blobs/ directory, a service's blob proxy)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="run the flow", description="Run the flow.")
    _run_options(run)
    for param in _parameters(flow_cls):
        kind = getattr(param, "type_name", None) or getattr(
            getattr(param, "type", None), "__name__", "value"
        )
        default = getattr(param, "default", None)
        text = (getattr(param, "help", None) or "").strip()
        extra = "required" if getattr(param, "required", False) else f"default: {default!r}"
        run.add_argument(
            f"--{param.name}",
            dest=f"param:{param.name}",
            metavar=str(kind).upper(),
            help=f"{text} ({extra})".strip(),
        )

    resume = sub.add_parser(
        "resume",
        help="re-run a run from its first failed step",
        description="Re-run from the first failed step, cloning tasks that succeeded.",
    )
    resume.add_argument(
        "run_id", nargs="?", help="the run to resume (default: your newest failed or lost run)"
    )
    _run_options(resume)

    sub.add_parser("show", help="print the flow's steps and how they connect")
    sub.add_parser("check", help="validate the flow graph without running it")

    logs = sub.add_parser(
        "logs", help="print a task's output", description="Print the output of a step's tasks."
    )
    logs.add_argument("pathspec", metavar="RUN/STEP[/TASK]")
    logs.add_argument("--stderr", action="store_true", help="print stderr instead of stdout")
    logs.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    logs.add_argument("--attempt", type=int, help="an earlier attempt of a retried task")

    dump = sub.add_parser(
        "dump", help="list a task's artifacts", description="List artifacts of a step's tasks."
    )
    dump.add_argument("pathspec", metavar="RUN/STEP[/TASK]")
    dump.add_argument("--values", action="store_true", help="print a short form of each value")
    dump.add_argument("--attempt", type=int, help="an earlier attempt of a retried task")
    add_export_options(dump)

    tag = sub.add_parser("tag", help="add, remove, replace or list a run's tags")
    tag.add_argument("action", choices=["add", "remove", "replace", "list"])
    tag.add_argument("run_id", metavar="RUN_ID")
    tag.add_argument("tags", nargs="*", metavar="TAG")
    return parser


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="a user tag for the run (repeatable)",
    )
    parser.add_argument(
        "--max-workers",
        type=int,
        default=16,
        metavar="N",
        help="tasks run at once, each in its own process (default 16); a @parallel gang "
        "starts whole, alone when it is wider",
    )
    parser.add_argument(
        "--run-id-file",
        metavar="PATH",
        help="write the new run's id to this file as soon as the run starts",
    )


def main(flow_cls: type, argv: Sequence[str] | None = None) -> None:
    """Entry point for `python flow.py ...`; exits the process with the command's code."""
    args = sys.argv[1:] if argv is None else list(argv)
    sys.exit(guarded(lambda: _dispatch(flow_cls, args)))


def _dispatch(flow_cls: type, argv: list[str]) -> int:
    from flowscope.flow import FlowGraph, check, format_graph

    parser = build_parser(flow_cls)
    args = parser.parse_args(argv)
    graph = FlowGraph.from_class(flow_cls)
    check(graph)
    if args.command == "check":
        print(f"The graph of {graph.flow_name} is valid ({len(graph.nodes)} steps).")
        return 0
    if args.command == "show":
        print(format_graph(graph))
        return 0
    if args.command in ("logs", "dump", "tag"):
        return _inspect(graph.flow_name, args)
    return _run(flow_cls, graph, args)


def _use_stores(metadata: str | None, datastore: str | None) -> None:
    if metadata or datastore is not None:
        from flowscope.client.context import CONTEXT

        CONTEXT.set_stores(metadata or None, datastore)


def _inspect(flow_name: str, args: argparse.Namespace) -> int:
    from flowscope.cli import inspect_cmds

    _use_stores(args.metadata, args.datastore)
    from flowscope.client import namespace

    namespace(None)  # the flow's own runs, whoever ran them
    if args.command == "tag":
        if args.action != "list" and not args.tags:
            raise ParameterError(f"tag {args.action} needs at least one TAG.")
        action = "list" if args.action == "list" else args.action
        return inspect_cmds.tag_command(action, f"{flow_name}/{args.run_id}", args.tags)
    pathspec = f"{flow_name}/{args.pathspec}"
    if args.command == "logs":
        stream = "stderr" if args.stderr else "stdout"
        return inspect_cmds.show_logs(pathspec, stream, args.timestamps, args.attempt)
    return inspect_cmds.dump(
        pathspec, args.values, args.attempt, include=args.include, file=args.file
    )


def _resolve_parameters(flow_cls: type, args: argparse.Namespace) -> dict[str, Any]:
    from flowscope.flow.parameters import IncludeFile

    values: dict[str, Any] = {}
    for param in _parameters(flow_cls):
        raw = getattr(args, f"param:{param.name}", None)
        if isinstance(param, IncludeFile):
            path = raw if raw is not None else param.default
            if path is None:
                if param.required:
                    raise ParameterError(
                        f"Parameter '{param.name}' is required: pass --{param.name} PATH."
                    )
                values[param.name] = None
                continue
            values[param.name] = param.load(path)
        elif raw is not None:
            values[param.name] = param.convert(raw)
        elif param.required:
            raise ParameterError(
                f"Parameter '{param.name}' is required: pass --{param.name} VALUE."
            )
        else:
            values[param.name] = param.default
    return values


def _run(flow_cls: type, graph: Any, args: argparse.Namespace) -> int:
    from flowscope.cli.client_objects import ClientObjects
    from flowscope.config import Settings
    from flowscope.runtime.console import Console
    from flowscope.runtime.resume import ResumePlan
    from flowscope.runtime.runner import RunDriver
    from flowscope.stores import open_stores
    from flowscope.tags import validate_tags

    settings = Settings.from_env()
    tags = validate_tags(args.tag)
    console = Console(quiet=args.quiet)
    if args.run_id_file is not None:
        from flowscope.cli.run_id_file import RunIdConsole, check_writable

        console = RunIdConsole(check_writable(args.run_id_file), quiet=args.quiet)
    if args.command == "run":  # bad values are refused before anything is recorded
        parameters = _resolve_parameters(flow_cls, args)
    stores = open_stores(args.metadata or None, args.datastore, settings=settings, create=True)
    provider = stores.provider
    plan = None
    if args.command == "resume":
        origin = _origin_run(provider, graph.flow_name, args.run_id, settings.user)
        # a live runner heartbeats every interval: three missed ones mean it is gone
        live = 3 * settings.heartbeat_interval
        plan = ResumePlan(provider, graph.flow_name, origin, live_within=live)
        parameters = plan.parameters
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0].endswith(".py") else None
    runner = RunDriver(
        flow_cls,
        graph,
        provider,
        settings,
        datastore=stores.datastore,
        parameters=parameters,
        tags=tags,
        max_workers=args.max_workers,
        script=script,
        console=console,
        resume=plan,
        command_line=_command_line(),
        objects=ClientObjects(stores.metadata_address, stores.datastore_address),
    )
    # The runner answers Ctrl-C while it runs and puts this back when it returns: by then the
    # outcome is recorded, so a late Ctrl-C (up to the process's exit) is ignored, never a
    # KeyboardInterrupt or death by signal for a run already recorded.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    result = runner.run()
    return 0 if result.status == "succeeded" else 1


def _command_line() -> str:
    """How this process was started, as a shell would take it again (bytes that are not
    UTF-8, legal in paths, are shown as \\xNN escapes)."""
    import shlex

    text = shlex.join([Path(sys.executable).name, *sys.argv])
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _origin_run(provider: Any, flow_name: str, run_id: str | None, user: str) -> int:
    """The run to resume: the one named, else the newest run of `user` that ended without
    succeeding (failed, or lost: its runner died). Never another user's run, never one that
    is still running; name a run to resume one of those."""
    from flowscope.metastore.records import RunQuery
    from flowscope.pathspec import check_id

    if run_id is not None:
        return int(check_id("run", run_id))
    newest = [
        page.items[0].run_id
        for status in ("failed", "lost")
        if (
            page := provider.list_runs(flow_name, RunQuery(status=status, user=user, limit=1))
        ).items
    ]
    if not newest:
        raise RunError(
            f"There is no failed run of {flow_name} by user '{user}' to resume; name the run "
            f"to resume (resume RUN_ID), or start one with `run`."
        )
    return int(max(newest))


if __name__ == "__main__":  # pragma: no cover
    print("Run a flow file instead: python flow.py run", file=sys.stderr)
    sys.exit(os.EX_USAGE)
