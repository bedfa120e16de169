"""`python flow.py card server` watching a running flow, in real headless Chromium: the card
a task refreshes shows up and changes in the open page without the test reloading it, then
the final card stays. Pages run no script; the card is in a sandboxed frame; only loopback
names are answered."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

FLOW = """
import time
from pathlib import Path
from flowscope import FlowSpec, card, current, step
from flowscope.cards import Markdown


def wait_for(name):
    deadline = time.time() + 90
    while not Path(name).exists():
        if time.time() > deadline:
            raise TimeoutError(name)
        time.sleep(0.05)


class LiveFlow(FlowSpec):
    @card(type="blank", id="live")
    @step
    def start(self):
        text = Markdown("phase one <script>window.__ran = 1</script>")
        current.card.append(text)
        current.card.refresh(force=True)
        wait_for("go")
        text.update("phase two")
        current.card.refresh(force=True)
        wait_for("finish")
        text.update("phase final")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    LiveFlow()
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run ./dev test (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, FLOWSCOPE_USER="tester", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, str(root / "live.py"), *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.terminate()
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


def _get(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": f"{host}:{port}"})
    answer = conn.getresponse()
    body = answer.read().decode()
    conn.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def _wait_text(read, text: str, timeout: float = 60) -> str:
    """Poll `read()` (the text of a page that reloads itself) until it holds `text`."""
    deadline, seen = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            seen = read()
        except Exception:  # the page was navigating: read again
            seen = ""
        if text in seen:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; last seen: {seen[:500]!r}")


def test_card_server_shows_a_running_tasks_card_refreshing_live(tmp_path: Path, browser) -> None:
    (tmp_path / "live.py").write_text(FLOW)
    server = _start(tmp_path, "card", "server", "--port", "0", "--poll-interval", "1")
    flow = None
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "http://127.0.0.1:" in line, line + _stop(server)
        url = line.split()[-1]
        port = int(url.rsplit(":", 1)[1].strip("/"))

        page = browser.new_page()
        ran: list[str] = []
        page.on("dialog", lambda d: (ran.append(d.message), d.dismiss()))
        page.goto(url)
        body = lambda: page.inner_text("body", timeout=2000)  # noqa: E731
        card = lambda: page.frame_locator("iframe").locator("body").inner_text(timeout=2000)  # noqa: E731
        _wait_text(body, "Waiting: There is no flowscope store")
        flow = _start(tmp_path, "run")
        # the index refreshes itself until the running task's first card appears
        _wait_text(body, "LiveFlow/1/start/")
        href = page.get_attribute("a[href^='/card/start/']", "href", timeout=2000)
        assert href is not None
        page.goto(url.rstrip("/") + href)
        _wait_text(card, "phase one")
        assert "running" in body()
        assert page.get_attribute("iframe", "sandbox", timeout=2000) == ""
        assert page.locator("script").count() == 0

        (tmp_path / "go").touch()  # the step refreshes again: the open page follows
        _wait_text(card, "phase two")
        (tmp_path / "finish").touch()
        _wait_text(card, "phase final")
        _wait_text(body, "finished")
        assert flow.wait(timeout=60) == 0, _stop(flow)
        assert ran == [] and page.evaluate("() => window.__ran") is None
        inner = [f for f in page.frames if f != page.main_frame]
        assert inner and all(f.evaluate("() => window.__ran") is None for f in inner)

        # only loopback names are answered; the card itself comes with a sandboxing policy
        status, _, _ = _get(port, "/", host="attacker.example")
        assert status == 403
        raw = href.replace("/card/", "/raw/")
        status, headers, text = _get(port, raw)
        assert status == 200 and "phase final" in text and raw.startswith("/raw/start/")
        assert headers["content-security-policy"].startswith("sandbox;")
        assert _get(port, "/raw/start/999/0")[0] == 404
        assert _get(port, "/nothing")[0] == 404
        page.close()
    finally:
        if flow is not None:
            (tmp_path / "go").touch()
            (tmp_path / "finish").touch()
            _stop(flow)
        _stop(server)


def test_card_server_refuses_bad_options(tmp_path: Path) -> None:
    (tmp_path / "live.py").write_text(FLOW)
    proc = _start(tmp_path, "card", "server", "--port", "70000")
    out = _stop(proc) if proc.wait(timeout=60) is None else proc.communicate()[0]
    assert proc.returncode == 2 and "--port 70000 is not a port number" in out
    assert "Traceback" not in out
