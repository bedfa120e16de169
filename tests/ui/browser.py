"""The browser-test harness: a real `flowscope ui` process over a store, Debian's Chromium
driven by Playwright (never `playwright install`), and pages that record every dialog and
console message (the sentinels a hostile string would trip). Every wait is bounded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SRC = Path(__file__).resolve().parents[2] / "src"


def artifacts_dir() -> Path:
    """Where screenshots go: FLOWSCOPE_TEST_ARTIFACTS, else /tmp/flowscope-test-artifacts."""
    root = Path(os.environ.get("FLOWSCOPE_TEST_ARTIFACTS", "/tmp/flowscope-test-artifacts"))
    path = root / "ui"
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class UIServer:
    """`flowscope ui --no-browser` over `root`, in its own process group."""

    root: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ui"

    def start(self, timeout: float = 60) -> UIServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
        env.update(FLOWSCOPE_USER="tester", PYTHONPATH=str(SRC))
        log = open(self.root / f"ui-{self.port}.log", "w")  # noqa: SIM115 - kept for the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flowscope.cli.main", "ui", "--metadata", str(self.root),
             "--port", str(self.port), "--no-browser"],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(
                    "flowscope ui did not start: " + (self.root / f"ui-{self.port}.log").read_text()
                )
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=15)


@dataclass
class Watched:
    """A page with what it raised: dialogs (dismissed), console messages, page errors."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pwned(self) -> object:
        return self.page.evaluate("() => window.__pwned")

    def assert_clean(self) -> None:
        assert self.dialogs == [], self.dialogs
        assert self.pwned() is None
        assert self.errors == [], self.errors


def watch(page: Any) -> Watched:
    watched = Watched(page)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: watched.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.set_default_timeout(30_000)
    return watched
