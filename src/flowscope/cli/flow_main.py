"""`python flow.py COMMAND`: run, resume, show, check, logs, dump, tag, card, spin, package (the
parser is flowscope.cli.flow_parser's).

`FlowSpec.__init__` hands control here when a flow file is run as a script. Before `run`,
`show` and `check`, the flow's configs are loaded (`--config`, `--config-value`) and the class
is prepared with them (`flowscope.flow.prepare`); `resume` reuses the configs of the run it
resumes.
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
from flowscope.cli.family_options import log_limit_bytes, resolve
from flowscope.cli.flow_parser import build_parser
from flowscope.cli.flow_session import FlowSession, origin_run
from flowscope.errors import FlowscopeError, ParameterError


def main(flow_cls: type, argv: Sequence[str] | None = None) -> None:
    """Entry point for `python flow.py ...`; exits the process with the command's code."""
    args = sys.argv[1:] if argv is None else list(argv)
    sys.exit(guarded(lambda: _dispatch(flow_cls, args)))


def _dispatch(flow_cls: type, argv: list[str]) -> int:
    from flowscope.config import Settings
    from flowscope.flow import FlowGraph, check, format_graph

    parser = build_parser(flow_cls, argv)
    args = parser.parse_args(argv)
    resolve(args, os.environ)
    if args.command in ("logs", "dump", "tag", "card"):
        return _inspect(flow_cls.__name__, args)
    if args.command == "package":
        from flowscope.cli.package_cmd import package_command

        return package_command(flow_cls, args)
    settings = Settings.from_env()
    session = FlowSession(flow_cls, args, settings)
    session.prepare()
    graph = FlowGraph.from_class(flow_cls)
    check(graph)
    if args.command == "check":
        print(f"The graph of {graph.flow_name} is valid ({len(graph.nodes)} steps).")
        return 0
    if args.command == "show":
        print(format_graph(graph))
        return 0
    from flowscope.cli.run_checks import check_surroundings, executor_name

    for notice in check_surroundings(flow_cls, graph.nodes, executor_name(args, settings)):
        print(f"note: {notice}", file=sys.stderr)
    if args.command == "spin":
        from flowscope.cli.spin_cmd import spin_command

        return spin_command(flow_cls, graph, args, session)
    return _run(flow_cls, graph, args, session)


def _use_stores(metadata: str | None, datastore: str | None) -> None:
    if metadata or datastore is not None:
        from flowscope.client.context import CONTEXT

        CONTEXT.set_stores(metadata or None, datastore)


def _inspect(flow_name: str, args: argparse.Namespace) -> int:
    from flowscope.cli import inspect_cmds

    _use_stores(args.metadata, args.datastore)
    from flowscope.client import namespace

    namespace(None)  # the flow's own runs, whoever ran them
    if args.command == "card":
        from flowscope.cli.card_cmds import run_card_command

        return run_card_command(flow_name, args)
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


def _run(flow_cls: type, graph: Any, args: argparse.Namespace, session: FlowSession) -> int:
    from flowscope.cli.client_objects import ClientObjects
    from flowscope.runtime.console import Console
    from flowscope.runtime.runner import RunDriver
    from flowscope.tags import validate_tags

    settings = session.settings
    tags = validate_tags(args.tag)
    console = Console(quiet=args.quiet)
    if args.run_id_file is not None:
        from flowscope.cli.run_id_file import RunIdConsole, check_writable

        console = RunIdConsole(check_writable(args.run_id_file), quiet=args.quiet)
    if args.command == "run":  # bad values are refused before anything is recorded
        parameters = session.parameters()
    stores = session.stores()
    plan = session.plan
    if plan is not None:
        parameters = plan.parameters
        if session.resume_step is not None:
            from flowscope.runtime.resume import rerun_steps

            plan.rerun = rerun_steps(graph, session.resume_step)
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0].endswith(".py") else None
    chosen = _executor(flow_cls, args, session, stores)
    runner = RunDriver(
        flow_cls,
        graph,
        stores.provider,
        settings,
        datastore=stores.datastore,
        parameters=parameters,
        tags=tags,
        max_workers=args.max_workers,
        max_num_splits=args.max_num_splits,
        max_log_bytes=log_limit_bytes(args),
        script=script,
        console=console,
        resume=plan,
        command_line=_command_line(),
        objects=ClientObjects(
            stores.metadata_address,
            stores.datastore_address,
            getattr(args, "user_namespace", None),  # for tasks on other machines (Dask)
        ),
        project=session.project(),
        executor=chosen.factory,
    )
    # The runner answers Ctrl-C while it runs and puts this back when it returns: by then the
    # outcome is recorded, so a late Ctrl-C (up to the process's exit) is ignored, never a
    # KeyboardInterrupt or death by signal for a run already recorded.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    user_namespace = getattr(args, "user_namespace", None)
    if user_namespace is not None:  # what client calls inside the steps see (forks inherit it)
        from flowscope.client import namespace

        namespace(user_namespace or None)
    objects = runner.objects
    try:
        result = runner.run()
    except FlowscopeError:  # refused or stopped: the hooks for a run that did not succeed
        pathspec = f"{graph.flow_name}/{runner.run_id}" if runner.run_id else None
        _exit_hooks(flow_cls, False, pathspec, objects, console)
        raise
    finally:
        chosen.close()
    _exit_hooks(flow_cls, result.status == "succeeded", result.pathspec, objects, console)
    return 0 if result.status == "succeeded" else 1


def _exit_hooks(
    flow_cls: type, succeeded: bool, pathspec: str | None, objects: Any, console: Any
) -> None:
    """@exit_hook functions, if the flow has any (a flow without flow decorators pays
    nothing). Ctrl-C stops a hook that hangs."""
    from flowscope.flow.decorators import flow_decorators

    if not flow_decorators(flow_cls):
        return
    from flowscope.cli.exit_hooks import run_exit_hooks

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run_exit_hooks(flow_cls, succeeded, pathspec, objects, console)
    finally:
        signal.signal(signal.SIGINT, previous)


def _executor(flow_cls: type, args: argparse.Namespace, session: FlowSession, stores: Any) -> Any:
    """--executor / FLOWSCOPE_EXECUTOR, opened (a cluster is reached and checked now, before
    anything is recorded)."""
    from flowscope.runtime.executors import open_executor

    settings = session.settings
    name = getattr(args, "executor", None) or settings.executor
    address = getattr(args, "dask_address", None)
    if name == "dask" and address is None:
        address = settings.dask_address
    return open_executor(
        name,
        settings,
        flow_cls=flow_cls,
        datastore_address=stores.datastore_address,
        store=stores.datastore,
        address=address,
        configs=session.configs,
        with_decorators=tuple(getattr(args, "with_decorators", [])),
        isolation=getattr(args, "dask_isolation", None) or settings.dask_isolation,
    )


def _command_line() -> str:
    """How this process was started, as a shell would take it again (bytes that are not
    UTF-8, legal in paths, are shown as \\xNN escapes)."""
    import shlex

    text = shlex.join([Path(sys.executable).name, *sys.argv])
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_origin_run = origin_run  # where `resume` without a run id starts from


if __name__ == "__main__":  # pragma: no cover
    print("Run a flow file instead: python flow.py run", file=sys.stderr)
    sys.exit(os.EX_USAGE)
