"""A card full of hostile strings, opened from a file:// URL in real headless Chromium: no
script runs, nothing is requested, no dialog opens, and the strings are shown as text.

Drives Debian's /usr/bin/chromium through Playwright (./dev test installs both; Playwright's
own browser download is never used)."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flowscope.cards import (
    Artifact,
    ArtifactSummary,
    CardSpec,
    Error,
    GraphStep,
    GraphView,
    Image,
    JSONViewer,
    Markdown,
    ProgressBar,
    Table,
    TaskSummary,
    ValueBox,
    VegaChart,
    YAMLViewer,
    render_card,
)
from flowscope.cards.document import render_document

from .html_check import HOSTILE

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SHOWN = [h for h in HOSTILE if "\ud800" not in h]


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every path asked of it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_png())

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run ./dev test (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


def _png() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (0, 128, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def _hostile_card() -> str:
    components: list[Any] = []
    for h in HOSTILE:
        components += [
            Markdown(f"para {h}\n\n[link](javascript:window.__pwned=8) <a href='{h}'>x</a>"),
            Table([[h, Artifact(h, name=h)]], headers=[h, h]),
            Image(_png(), label=h),
            Artifact({h: h}, name=h),
            ProgressBar(max=2, value=1, label=h, unit=h, metadata=h),
            ValueBox(title=h, value=h[:90], subtitle=h, change_indicator=h),
            JSONViewer({h: h}, title=h),
            YAMLViewer([h], title=h),
            Error(ValueError(h), h),
        ]
    components.append(
        VegaChart({"title": HOSTILE[0], "data": {"values": [{"a": HOSTILE[4], "b": 1}]},
                   "mark": "bar", "encoding": {"x": {"field": "a", "type": "nominal"}}})
    )  # fmt: skip
    joined = " ".join(SHOWN)
    summary = TaskSummary(
        flow_name=joined,
        pathspec="F/1/start/1",
        parameters=tuple((h, h) for h in HOSTILE),
        artifacts=tuple(ArtifactSummary(h, h, 1, h) for h in HOSTILE),
        graph=GraphView(
            steps=(
                GraphStep("start"),
                GraphStep(HOSTILE[4], label=HOSTILE[0]),
                GraphStep("end", "end"),
            ),
            edges=(("start", HOSTILE[4]), (HOSTILE[4], "end")),
            current=HOSTILE[4],
        ),
        started_at=time.time() - 1,
        finished_at=time.time(),
        stdout_tail="\n".join(HOSTILE),
        stderr_tail=joined,
    )
    rendered = render_card(CardSpec(id="hostile"), components, summary)
    assert rendered.ok, rendered.problems
    return rendered.html


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # let anything that could run, run
    return page, requests, dialogs


def test_a_hostile_card_runs_nothing_loads_nothing_and_shows_the_text(
    browser: Any, tmp_path: Path
) -> None:
    card = tmp_path / "card.html"
    card.write_text(_hostile_card(), encoding="utf-8")
    page, requests, dialogs = _open(browser, card)
    try:
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert all(u.startswith(("file://", "data:")) for u in requests), requests
        body = page.inner_text("body")
        for h in SHOWN:
            assert h in body, h
        assert page.title() == "F/1/start/1"
        # the images really are drawn (data: URIs are allowed), the chart too
        widths = page.eval_on_selector_all("figure img", "els => els.map(e => e.naturalWidth)")
        assert widths and all(w > 0 for w in widths)
    finally:
        page.close()


def test_the_policy_stops_markup_that_escaping_would_have_missed(
    browser: Any, tmp_path: Path, web_server: tuple[str, list[str]]
) -> None:
    """Defence in depth: raw active markup inside a card document (as if escaping had a bug)
    is still stopped by the Content-Security-Policy."""
    url, hits = web_server
    raw = (
        "<p id='shown'>still readable</p>"
        "<script>window.__pwned = 'inline'</script>"
        "<img src='x' onerror=\"window.__pwned = 'handler'\">"
        f"<img src='{url}/pixel.png'>"
        f"<link rel='stylesheet' href='{url}/style.css'>"
        f"<style>@import url('{url}/imported.css');</style>"
        "<a id='js' href=\"javascript:void(window.__clicked='link')\">click</a>"
        "<style>#shown{color:rgb(255, 0, 0)}</style>"
        "<iframe src='data:text/html,<script>parent.__pwned=1</script>'></iframe>"
    )
    card = tmp_path / "raw.html"
    card.write_text(render_document(raw, title="raw", card_type="blank"), encoding="utf-8")
    page, requests, dialogs = _open(browser, card)
    try:
        assert page.evaluate("typeof window.__pwned") == "undefined"
        page.click("#js")
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__clicked") == "undefined"
        assert dialogs == []
        assert hits == []  # the server saw no request: nothing was loaded
        assert page.inner_text("#shown") == "still readable"
        # the injected stylesheet is refused (the card's own, allowed by hash, applies)
        color = page.eval_on_selector("#shown", "e => getComputedStyle(e).color")
        assert color != "rgb(255, 0, 0)"
    finally:
        page.close()
