"""`python flow.py COMMAND`: run, resume, show, check, logs, dump, tag.

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flowscope.cli.errors import guarded
from flowscope.cli.family_options import add_run_limits, add_top_level, log_limit_bytes, resolve
from flowscope.cli.flow_session import FlowSession, origin_run
from flowscope.errors import FlowscopeError, ParameterError

EPILOG = "Inspect runs from Python with: from flowscope import Flow; Flow('NAME').latest_run"


def _parameters(flow_cls: type) -> list[Any]:
    from flowscope.flow.run_values import run_parameters

    return run_parameters(flow_cls)


def _metavar(param: Any) -> str:
    if param.deferred_default is not None and not param.type_given:
        return "VALUE"  # the type follows the default, known when the run starts
    return str(param.type_name).upper()


def _default_text(param: Any) -> str:
    from flowscope.flow.run_values import env_names

    if param.required:
        text = "required"
    elif not param.show_default:
        text = "optional"
    elif callable(param.deferred_default):
        text = "default: computed when the run starts"
    elif param.deferred_default is not None:
        text = f"default: {param.deferred_default!r} of the config"
    else:
        text = f"default: {param.default!r}"
    if param.separator is not None:
        text = f"values separated by {param.separator!r}; {text}"
    return f"{text}; or set {env_names(param)[0]}"


def build_parser(flow_cls: type, argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The flow's command line. Given `argv`, only the commands it names are declared in
    full (argparse takes some 0.2-0.5 ms a parser and more per option, every run): the
    command a line runs is always among the words it contains; a line naming none, or asking
    for --help, gets them all."""
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
    parser.add_argument(
        "--config",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "FILE"),
        help="read the flow's Config NAME from FILE (repeatable)",
    )
    parser.add_argument(
        "--config-value",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "TEXT"),
        help="give the flow's Config NAME as text, e.g. JSON (repeatable)",
    )
    parser.add_argument(
        "--branch",
        metavar="NAME",
        help="@project flows: run on the branch test.NAME (prod.NAME with --production)",
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="@project flows: run on the production branch",
    )
    add_top_level(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _commands_in(argv):
        _COMMANDS[command](sub, flow_cls)
    return parser


def _commands_in(argv: Sequence[str] | None) -> list[str]:
    if argv is None or "-h" in argv or "--help" in argv:
        return list(_COMMANDS)
    return [c for c in _COMMANDS if c in argv] or list(_COMMANDS)


def _add_run(sub: Any, flow_cls: type) -> None:
    run = sub.add_parser("run", help="run the flow", description="Run the flow.")
    _run_options(run)
    add_run_limits(run, namespace=True)
    for param in _parameters(flow_cls):
        text = (param.help or "").strip()
        run.add_argument(
            f"--{param.name}",
            dest=f"param:{param.name}",
            metavar=_metavar(param),
            help=f"{text} ({_default_text(param)})".strip(),
        )


def _add_resume(sub: Any, flow_cls: type) -> None:
    resume = sub.add_parser(
        "resume",
        help="re-run a run from its failed step, or from STEP",
        description="Start a new run that clones the tasks of an earlier run that succeeded "
        "and runs the rest again: from the first failed step, or from STEP on (STEP and every "
        "step after it run again, what comes before is cloned).",
        epilog="Examples: resume (your newest failed run) | resume 3 (run 3) | resume train "
        "--origin-run-id 3 (run 3 again from step train)",
    )
    resume.add_argument(
        "step",
        nargs="?",
        metavar="STEP",
        help="the step to run again from (a run id here is taken as --origin-run-id)",
    )
    resume.add_argument(
        "--origin-run-id",
        metavar="ID",
        help="the run to resume (default: your newest failed or lost run; with STEP, your "
        "newest finished run)",
    )
    _run_options(resume)
    add_run_limits(resume, namespace=False)


def _add_show(sub: Any, flow_cls: type) -> None:
    sub.add_parser(
        "show",
        help="print the flow's steps and how they connect (a switch step with its cases)",
    )


def _add_check(sub: Any, flow_cls: type) -> None:
    sub.add_parser("check", help="validate the flow graph without running it")


def _add_logs(sub: Any, flow_cls: type) -> None:
    logs = sub.add_parser(
        "logs", help="print a task's output", description="Print the output of a step's tasks."
    )
    logs.add_argument("pathspec", metavar="RUN/STEP[/TASK]")
    logs.add_argument("--stderr", action="store_true", help="print stderr instead of stdout")
    logs.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    logs.add_argument("--attempt", type=int, help="an earlier attempt of a retried task")


def _add_dump(sub: Any, flow_cls: type) -> None:
    dump = sub.add_parser(
        "dump", help="list a task's artifacts", description="List artifacts of a step's tasks."
    )
    dump.add_argument("pathspec", metavar="RUN/STEP[/TASK]")
    dump.add_argument("--values", action="store_true", help="print a short form of each value")
    dump.add_argument("--attempt", type=int, help="an earlier attempt of a retried task")
    from flowscope.cli.export import add_export_options  # declared for `dump` only

    add_export_options(dump)


def _add_tag(sub: Any, flow_cls: type) -> None:
    tag = sub.add_parser("tag", help="add, remove, replace or list a run's tags")
    tag.add_argument("action", choices=["add", "remove", "replace", "list"])
    tag.add_argument("run_id", metavar="RUN_ID")
    tag.add_argument("tags", nargs="*", metavar="TAG")


def _add_card(sub: Any, flow_cls: type) -> None:
    from flowscope.cli.card_cmds import add_card_parser

    add_card_parser(sub)


def _add_spin(sub: Any, flow_cls: type) -> None:
    from flowscope.cli.spin_cmd import add_spin_parser

    add_spin_parser(sub)


_COMMANDS: dict[str, Callable[[Any, type], None]] = {  # in the order --help lists them
    "run": _add_run,
    "resume": _add_resume,
    "show": _add_show,
    "check": _add_check,
    "logs": _add_logs,
    "dump": _add_dump,
    "tag": _add_tag,
    "card": _add_card,
    "spin": _add_spin,
}


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
        default=None,
        metavar="N",
        help="tasks run at once, each in its own process (default 16); a @parallel gang "
        "starts whole, alone when it is wider",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=None,
        help="where tasks run: local forks (default) or a Dask cluster (FLOWSCOPE_EXECUTOR)",
    )
    parser.add_argument(
        "--dask-address",
        metavar="tcp://HOST:PORT",
        default=None,
        help="the Dask scheduler for --executor dask (FLOWSCOPE_DASK_ADDRESS; default: a "
        "local cluster sized to this machine)",
    )
    parser.add_argument(
        "--dask-isolation",
        choices=("fork", "host"),
        default=None,
        help="on Dask workers, each attempt runs in a fork of a task host (fork, the default), "
        "or in the task host itself (host: faster, but tasks share class state and only "
        "Python-level output is captured; FLOWSCOPE_DASK_ISOLATION)",
    )
    parser.add_argument(
        "--run-id-file",
        metavar="PATH",
        help="write the new run's id to this file as soon as the run starts",
    )
    parser.add_argument(
        "--with",
        dest="with_decorators",
        action="append",
        default=[],
        metavar="DECO[:K=V,...]",
        help="add a step decorator to every step that has none of that name, e.g. "
        "--with retry:times=2 or --with mymodule.mydeco (repeatable)",
    )


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
        objects=ClientObjects(stores.metadata_address, stores.datastore_address),
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
    if not any("_fs_flow_decorators" in vars(k) for k in flow_cls.__mro__):
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
