"""Stores for the UI tests: real runs of tests/ui/flows/hostile.py (hostile parameters, tags,
output and artifacts; a retried foreach task), made once per session in a fresh directory,
and the in-process app over them (httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FLOWS = Path(__file__).parent / "flows"
HOSTILE = [
    "<script>window.__pwned = 1; alert(1)</script>",
    '"><img src=x onerror="window.__pwned = 2; alert(2)">',
    "javascript:window.__pwned = 3; alert(3)",
]


def run_flow(root: Path, name: str, *args: str, timeout: float = 120) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env.update(FLOWSCOPE_USER="tester", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    script = root / f"{name}.py"
    if not script.exists():
        script.write_text((FLOWS / f"{name}.py").read_text())
    proc = subprocess.run(
        [sys.executable, str(script), "run", *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def hostile_root() -> Iterator[Path]:
    """A directory with two runs of HostileFlow (1: hostile tags and parameters; 2: alpha 2)."""
    with tempfile.TemporaryDirectory(prefix="fs-ui-") as tmp:
        root = Path(tmp)
        run_flow(
            root, "hostile", "--note", HOSTILE[1], "--tag", HOSTILE[0], "--tag", HOSTILE[2],
            "--tag", "keeper",
        )  # fmt: skip
        run_flow(root, "hostile", "--alpha", "2", "--note", HOSTILE[2])
        yield root


@pytest.fixture
def stores(hostile_root: Path) -> Iterator[object]:
    from flowscope.config import Settings
    from flowscope.stores import open_stores

    opened = open_stores(str(hostile_root), None, settings=Settings.from_env())
    yield opened
    opened.close()


class Http:
    """Requests to an ASGI app in-process (httpx's ASGI transport), one event loop a call."""

    def __init__(self, app: Any, base_url: str = "http://127.0.0.1:8765") -> None:
        self.app, self.base_url = app, base_url

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        import httpx

        async def call() -> Any:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as http:
                return await http.request(method, url, **kwargs)

        return asyncio.run(call())

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def client(stores: Any) -> Http:
    from flowscope.ui import create_app

    return Http(create_app(stores, secret=b"k" * 32))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
