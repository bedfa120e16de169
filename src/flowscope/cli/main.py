"""The `flowscope` command: inspect flows and runs, start the metadata service or the web UI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flowscope.cli.errors import guarded
from flowscope.cli.export import add_export_options

FLOW_COMMANDS = """\
A flow file is its own command (see python flow.py --help):
  python flow.py run [--PARAM VALUE] [--tag TAG] [--max-workers N]
                     [--with DECO[:K=V]] [--run-id-file PATH]
  python flow.py --config NAME FILE run        a Config from a file
  python flow.py --config-value NAME JSON run  a Config given as text
  python flow.py --branch NAME run             @project: branch test.NAME
  python flow.py --production run              @project: the prod branch
  python flow.py resume [STEP] [--origin-run-id ID]
                                  again from the failed step, or from STEP
  python flow.py show             the graph, switch steps with their cases
  python flow.py dump RUN/STEP --include a,b --file out.pkl
                                  export artifact values (a pickled dict)
  python flow.py spin STEP        one step again on a past task's inputs
  python flow.py package list     the files a run records as its code
  python flow.py --environment pypi run
                                  @pypi/@conda pins checked, not installed
From Python: from flowscope import Runner; Runner("flow.py").run(alpha=0.1)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowscope",
        description="Inspect flows and their runs; start the team metadata service.",
        epilog=FLOW_COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--metadata",
        metavar="URL_OR_DIR",
        help="a metadata service URL or local store directory "
        "(default: FLOWSCOPE_SERVICE_URL, else the nearest .flowscope)",
    )
    parser.add_argument(
        "--datastore",
        metavar="DIR_OR_URL",
        help="read artifacts and logs from this directory or URL (default: FLOWSCOPE_DATASTORE, "
        "else the metadata store's own)",
    )
    parser.add_argument(
        "--namespace", metavar="TAG", help="only runs carrying this tag (default: every run)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("flows", help="list the flows that have runs")
    runs = sub.add_parser("runs", help="list a flow's runs, newest first")
    runs.add_argument("flow")
    runs.add_argument("--tag", action="append", default=[], help="only runs with this tag")
    runs.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    runs.add_argument(
        "--where",
        metavar="FILTER",
        help="only runs matching the filter, e.g. \"params.alpha > 0.1 and status = 'succeeded'\"",
    )
    reindex = sub.add_parser(
        "reindex", help="fill the query index (where=) for runs recorded before it existed"
    )
    reindex.add_argument("flow", nargs="?", help="only this flow (default: every flow)")
    logs = sub.add_parser("logs", help="print the output of FLOW/RUN/STEP[/TASK]")
    logs.add_argument("pathspec")
    logs.add_argument("--stderr", action="store_true", help="print stderr instead of stdout")
    logs.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    dump = sub.add_parser("dump", help="list the artifacts of FLOW/RUN/STEP[/TASK]")
    dump.add_argument("pathspec")
    dump.add_argument("--values", action="store_true", help="print a short form of each value")
    add_export_options(dump)
    tag = sub.add_parser("tag", help="add, remove, replace or list the tags of FLOW/RUN")
    tag.add_argument("action", choices=["add", "remove", "replace", "list"])
    tag.add_argument("run")
    tag.add_argument("tags", nargs="*")
    diff = sub.add_parser(
        "diff",
        help="what changed from run A to run B of one flow: parameters, artifacts, tasks, "
        "durations, code, environment",
    )
    diff.add_argument("a", metavar="A", help="a run, FLOW/RUN (the 'before' side)")
    diff.add_argument("b", metavar="B", help="another run of the same flow (the 'after' side)")
    diff.add_argument("--json", action="store_true", help="print the diff as JSON")
    diff.add_argument(
        "--all", action="store_true", help="show what is the same too (default: differences only)"
    )
    sub.add_parser(
        "service", help="the metadata service (see: flowscope service --help)", add_help=False
    )
    sub.add_parser("ui", help="the web UI (see: flowscope ui --help)", add_help=False)
    sub.add_parser("version", help="print the version")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["service"]:
        from flowscope.cli.service_cmd import main as service_main

        return service_main(args_list[1:])
    if args_list[:1] == ["ui"]:
        from flowscope.cli.ui_cmd import main as ui_main

        return ui_main(args_list[1:])
    return guarded(lambda: _dispatch(args_list))


def _dispatch(argv: list[str]) -> int:
    from flowscope.cli import inspect_cmds

    args = build_parser().parse_args(argv)
    if args.command == "version":
        from flowscope import __version__

        print(__version__)
        return 0
    from flowscope.client import Flow, Metaflow, namespace
    from flowscope.client.context import CONTEXT

    if args.metadata or args.datastore is not None:
        CONTEXT.set_stores(args.metadata or None, args.datastore)
    namespace(args.namespace)
    if args.command == "flows":
        for flow in Metaflow():
            print(flow.id)
        return 0
    if args.command == "runs":
        for i, run in enumerate(Flow(args.flow).runs(*args.tag, where=args.where)):
            if i >= args.limit:
                break
            status = "succeeded" if run.successful else ("finished" if run.finished else "running")
            started = run.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            print(f"{run.pathspec:<28} {status:<10} {started}  {', '.join(sorted(run.user_tags))}")
        return 0
    if args.command == "reindex":
        return inspect_cmds.reindex_command(args.flow)
    if args.command == "logs":
        return inspect_cmds.show_logs(
            args.pathspec, "stderr" if args.stderr else "stdout", args.timestamps
        )
    if args.command == "dump":
        return inspect_cmds.dump(args.pathspec, args.values, include=args.include, file=args.file)
    if args.command == "diff":
        from flowscope.cli.diff_cmd import diff_command

        return diff_command(args.a, args.b, as_json=args.json, show_all=args.all)
    return inspect_cmds.tag_command(args.action, args.run, args.tags)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
