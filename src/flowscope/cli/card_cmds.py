"""`python flow.py card list|view|get|server`: a task's cards from the shell.

    python flow.py card list 3/train            # the cards of every task of a step
    python flow.py card view 3/train/4 --id report
    python flow.py card get 3/train/4 report.html --type default
    python flow.py card server                  # watch a running flow's cards in a browser

A PATHSPEC is RUN/STEP/TASK, RUN/STEP (a step of one task, or every task for `list`), RUN
(`list` only), or STEP (that step of the flow's latest run). The same `get_cards` a notebook
calls does the reading.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from flowscope.errors import CardError, InvalidPathspec

if TYPE_CHECKING:
    from flowscope.client import Task
    from flowscope.client.cards import Card


def add_card_parser(sub: Any) -> None:
    """The `card` command family, under the flow's sub-parsers."""
    card = sub.add_parser(
        "card",
        help="list, view, save or serve the cards of tasks",
        description="The HTML cards that @card steps render for their tasks.",
    )
    verbs = card.add_subparsers(dest="card_command", metavar="ACTION", required=True)

    def filters(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--id", dest="card_id", help="only the card with this @card id")
        parser.add_argument("--type", dest="card_type", help="only cards of this type")

    listing = verbs.add_parser("list", help="list the cards of a run, step or task")
    listing.add_argument(
        "pathspec", metavar="PATHSPEC", help="RUN, RUN/STEP, RUN/STEP/TASK or STEP"
    )
    listing.add_argument("--as-json", action="store_true", help="print JSON, one object a card")
    filters(listing)
    view = verbs.add_parser("view", help="write a task's card to a file and open it in a browser")
    view.add_argument("pathspec", metavar="PATHSPEC", help="RUN/STEP/TASK, RUN/STEP or STEP")
    view.add_argument("--file", help="write it here (default: a temporary file)")
    view.add_argument("--no-browser", action="store_true", help="only write the file")
    filters(view)
    get = verbs.add_parser("get", help="save a task's card as an HTML file")
    get.add_argument("pathspec", metavar="PATHSPEC", help="RUN/STEP/TASK, RUN/STEP or STEP")
    get.add_argument("file", metavar="FILE", help="where to write it ('-' for standard output)")
    filters(get)
    server = verbs.add_parser(
        "server", help="serve the cards of a (running) run on 127.0.0.1, refreshing live"
    )
    server.add_argument("--run-id", help="the run to show (default: the flow's latest run)")
    server.add_argument("--port", type=int, default=8324, help="port on 127.0.0.1 (0: any free)")
    server.add_argument(
        "--poll-interval", type=float, default=2.0, help="seconds between page refreshes"
    )


def run_card_command(flow_name: str, args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    verb = args.card_command
    if verb == "server":
        from flowscope.cli.card_server import serve

        return serve(flow_name, args.run_id, args.port, args.poll_interval, out=out)
    if verb == "list":
        return list_cards(flow_name, args.pathspec, args.card_id, args.card_type, args.as_json, out)
    card = one_card(flow_name, args.pathspec, args.card_id, args.card_type)
    if verb == "get":
        if args.file == "-":
            out.write(card.html)
        else:
            with open(args.file, "w", encoding="utf-8") as handle:
                handle.write(card.html)
            print(f"Wrote {card!r} to {args.file}", file=out)
        return 0
    path = card.view(args.file, open_browser=not args.no_browser)
    print(f"{card!r}: {path}", file=out)
    return 0


def _latest_run_id(flow_name: str) -> str:
    from flowscope.client import Flow

    run = Flow(flow_name).latest_run
    if run is None:
        raise InvalidPathspec(f"{flow_name} has no runs yet; run it first or name RUN/STEP/TASK.")
    return run.id


def tasks_of(flow_name: str, pathspec: str, many: bool) -> list[Task]:
    """The tasks PATHSPEC names (see the module doc); `many` allows a run or a wide step."""
    from flowscope.client import Run, Step, Task

    parts = [p for p in pathspec.strip("/").split("/") if p]
    if len(parts) == 1 and not parts[0].isdigit():
        parts = [_latest_run_id(flow_name), parts[0]]
    if not 1 <= len(parts) <= 3:
        raise InvalidPathspec(
            f"{pathspec!r} is not a card pathspec: use RUN/STEP/TASK, RUN/STEP or STEP."
        )
    full = "/".join([flow_name, *parts])
    if len(parts) == 3:
        return [Task(full)]
    if len(parts) == 1:
        if not many:
            raise InvalidPathspec(f"{pathspec!r} names a run; name a task: RUN/STEP/TASK.")
        return [t for step in Run(full) for t in sorted(step, key=lambda t: int(t.id))]
    tasks = sorted(Step(full), key=lambda t: int(t.id))
    if not many and len(tasks) != 1:
        ids = ", ".join(t.id for t in tasks[:5]) + (", ..." if len(tasks) > 5 else "")
        raise InvalidPathspec(
            f"step {full} has {len(tasks)} tasks ({ids}); name one: {pathspec}/TASK_ID."
        )
    return tasks


def one_card(flow_name: str, pathspec: str, card_id: str | None, card_type: str | None) -> Card:
    """The card to view or get: the first that matches (a note says when several do)."""
    from flowscope.client.cards import get_cards

    task = tasks_of(flow_name, pathspec, many=False)[0]
    cards = get_cards(task, id=card_id, type=card_type)
    if not cards:
        everything = get_cards(task)
        known = ", ".join(repr(c) for c in everything) or "none"
        raise CardError(f"no card of {task.pathspec} matches (the task's cards: {known}).")
    if len(cards) > 1:
        print(
            f"{len(cards)} cards match; this is the first (choose with --id or --type).",
            file=sys.stderr,
        )
    return cards[0]


def list_cards(
    flow_name: str,
    pathspec: str,
    card_id: str | None,
    card_type: str | None,
    as_json: bool,
    out: TextIO,
) -> int:
    from flowscope.client.cards import get_cards

    found = 0
    for task in tasks_of(flow_name, pathspec, many=True):
        for index, card in enumerate(get_cards(task, id=card_id, type=card_type)):
            found += 1
            if as_json:
                row = {"pathspec": card.pathspec, "index": index, "type": card.type}
                row |= {"id": card.id, "ok": card.ok, "key": card.key}
                out.write(json.dumps(row) + "\n")
            else:
                label = f" id={card.id}" if card.id else ""
                problem = "" if card.ok else "  (shows a render error)"
                out.write(f"{card.pathspec}  {card.type}{label}{problem}\n")
    if not found and not as_json:
        out.write(f"No cards in {pathspec}.\n")
    return 0
