"""The argument parser `python flow.py` gets for a flow class: the top-level options, and
one subcommand per command (run, resume, show, check, logs, dump, tag, card, spin).

Only the commands a command line names are declared (all of them for `--help`, or a line
that names none), so a run pays for its own options only. Dispatching the parsed command is
flowscope.cli.flow_main's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flowscope.cli.family_options import add_run_limits, add_top_level

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


def _add_package(sub: Any, flow_cls: type) -> None:
    from flowscope.cli.package_cmd import add_package_parser

    add_package_parser(sub)


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
    "package": _add_package,
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
