"""`python flow.py card server`: the cards of a run in a browser, refreshed while it runs.

Listens on 127.0.0.1 only, and answers only requests addressed to a loopback name (so a web
page elsewhere cannot reach it through DNS rebinding). Pages run no script: the index and
each card's page reload themselves with `<meta http-equiv=refresh>` every poll interval, and
a card is shown in a sandboxed frame (no scripts, an opaque origin) from `/raw/...`, served
with a CSP of its own. What is shown is what `get_cards` reads: while a task runs, the cards
it refreshed (`current.card.refresh()`), then the ones it stored when it ended.

    /                               the run's tasks and their cards
    /card/STEP/TASK/INDEX           one card in a frame, refreshing
    /raw/STEP/TASK/INDEX            the card's HTML
"""

from __future__ import annotations

import html
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TextIO

from flowscope.errors import CardError, FlowscopeError

if TYPE_CHECKING:
    from flowscope.client import Run

MAX_CARDS = 500  # cards listed on the index, at most
_ROUTE = re.compile(r"/(card|raw)/([A-Za-z_][A-Za-z0-9_]{0,200})/([0-9]{1,12})/([0-9]{1,4})")
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}
_PAGE_CSP = "default-src 'none'; frame-src 'self'; style-src 'unsafe-inline'; base-uri 'none'"
_CARD_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline' 'self'; img-src data:"
_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
    "td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}"
    "iframe{width:100%;height:85vh;border:1px solid #ccc}"
)


def _page(title: str, body: str, refresh: float | None) -> bytes:
    meta = f'<meta http-equiv="refresh" content="{refresh:g}">' if refresh else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_PAGE_CSP}">{meta}'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    ).encode()


class CardSite:
    """What the server shows: the pages, as bytes, for a flow and a run (or its latest)."""

    def __init__(self, flow_name: str, run_id: str | None, poll: float) -> None:
        self.flow_name = flow_name
        self.run_id = run_id
        self.poll = poll

    def run(self) -> Run | None:
        from flowscope.client import Flow, Run

        if self.run_id is not None:
            return Run(f"{self.flow_name}/{self.run_id}")
        return Flow(self.flow_name).latest_run

    def index(self) -> bytes:
        from flowscope.client.cards import get_cards
        from flowscope.errors import ObjectNotFound

        try:
            run = self.run()
        except ObjectNotFound:
            run = None
        except FlowscopeError as exc:  # e.g. no store yet: say so, and look again soon
            body = f"<h1>{html.escape(self.flow_name)}</h1><p>Waiting: {html.escape(str(exc))}</p>"
            return _page(self.flow_name, body, self.poll)
        if run is None:
            body = f"<h1>{html.escape(self.flow_name)}</h1><p>No run yet; waiting for one.</p>"
            return _page(self.flow_name, body, self.poll)
        rows, shown = [], 0
        for step in run:
            for task in sorted(step, key=lambda t: int(t.id)):
                for index, card in enumerate(get_cards(task)):
                    if shown >= MAX_CARDS:
                        break
                    shown += 1
                    link = f"/card/{step.id}/{task.id}/{index}"
                    label = card.id or f"#{index}"
                    rows.append(
                        f'<tr><td><a href="{link}">{html.escape(task.pathspec)}</a></td>'
                        f"<td>{html.escape(card.type)}</td><td>{html.escape(label)}</td>"
                        f"<td>{html.escape(task.status)}</td></tr>"
                    )
        table = (
            "<table><tr><th>task</th><th>type</th><th>card</th><th>status</th></tr>"
            + "".join(rows)
            + "</table>"
            if rows
            else "<p>No cards yet.</p>"
        )
        status = "running" if not run.finished else ("succeeded" if run.successful else "failed")
        body = f"<h1>{html.escape(run.pathspec)}</h1><p>{status}</p>{table}"
        return _page(run.pathspec, body, self.poll if not run.finished else None)

    def card_html(self, step: str, task_id: str, index: int) -> tuple[str, bool] | None:
        """The card's HTML and whether its task is still running; None when there is none."""
        from flowscope.client import Task
        from flowscope.client.cards import get_cards

        run = self.run()
        if run is None:
            return None
        task = Task(f"{run.pathspec}/{step}/{task_id}")
        running = not task.finished
        cards = get_cards(task)
        if index >= len(cards):
            return None if not running else ("", True)
        return cards[index].html, running

    def card_page(self, step: str, task_id: str, index: int) -> bytes:
        found = self.card_html(step, task_id, index)
        where = html.escape(f"{step}/{task_id} card {index}")
        if found is None:
            return _page(where, f"<p>No card {where}.</p><p><a href='/'>all cards</a></p>", None)
        text, running = found
        frame = (
            f'<iframe sandbox="" title="{where}" src="/raw/{step}/{task_id}/{index}"></iframe>'
            if text
            else "<p>The task has not stored this card yet.</p>"
        )
        note = "running: this page refreshes" if running else "finished"
        body = f"<p><a href='/'>all cards</a> · {where} · {note}</p>{frame}"
        return _page(where, body, self.poll if running else None)


class _Handler(BaseHTTPRequestHandler):
    site: CardSite  # set on the subclass made per server
    server_version = "flowscope-cards"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no line per request
        return None

    def _send(self, status: int, body: bytes, content_type: str, csp: str = _PAGE_CSP) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in _LOOPBACK:
            self._send(HTTPStatus.FORBIDDEN, b"loopback only", "text/plain")
            return
        path = self.path.split("?", 1)[0]
        try:
            if path == "/":
                self._send(HTTPStatus.OK, self.site.index(), "text/html; charset=utf-8")
                return
            match = _ROUTE.fullmatch(path)
            if match is None:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                return
            kind, step, task_id, index = match.groups()
            if kind == "card":
                page = self.site.card_page(step, task_id, int(index))
                self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
                return
            found = self.site.card_html(step, task_id, int(index))
            if not found or not found[0]:
                self._send(HTTPStatus.NOT_FOUND, b"no such card", "text/plain")
                return
            self._send(HTTPStatus.OK, found[0].encode(), "text/html; charset=utf-8", _CARD_CSP)
        except FlowscopeError as exc:
            self._send(HTTPStatus.NOT_FOUND, str(exc).encode(), "text/plain; charset=utf-8")


def make_server(flow_name: str, run_id: str | None, port: int, poll: float) -> ThreadingHTTPServer:
    """The server, bound to 127.0.0.1:`port` (0: a free port), not yet serving."""
    if not 0 <= port <= 65535:
        raise CardError(f"--port {port} is not a port number (0-65535).")
    if not poll > 0:
        raise CardError(f"--poll-interval {poll} must be a positive number of seconds.")
    handler = type("CardHandler", (_Handler,), {"site": CardSite(flow_name, run_id, poll)})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise CardError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; try --port 0."
        ) from None
    server.daemon_threads = True
    return server


def serve(
    flow_name: str, run_id: str | None, port: int, poll: float, out: TextIO | None = None
) -> int:
    """Serve until Ctrl-C."""
    out = out or sys.stdout
    server = make_server(flow_name, run_id, port, poll)
    print(
        f"Cards of {flow_name} at http://127.0.0.1:{server.server_address[1]}/",
        file=out,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
