"""The UI in real headless Chromium against a real `flowscope ui` process: every page renders
(with JavaScript on, and off), a running flow updates live without a reload, and hostile
strings in parameters, tags, logs and artifacts execute nothing. A failing test leaves a
screenshot in the test artifacts directory (browser.py: artifacts_dir)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import ARGS, CHROMIUM, SRC, UIServer, Watched, artifacts_dir, watch
from .conftest import HOSTILE

GATED = Path(__file__).resolve().parents[1] / "reliability" / "flows" / "gated.py"
TAIL = Path(__file__).resolve().parent / "flows" / "tail.py"


@pytest.fixture(scope="module")
def server(hostile_root: Path) -> Iterator[UIServer]:
    ui = UIServer(hostile_root).start()
    yield ui
    ui.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run ./dev test (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


def _shot(request: pytest.FixtureRequest, page: Any) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
        page.screenshot(path=str(artifacts_dir() / f"{name}.png"), full_page=True)


@pytest.fixture
def tab(browser: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = watch(context.new_page())
    yield watched
    _shot(request, watched.page)
    context.close()


@pytest.fixture
def tab_no_js(browser: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    context = browser.new_context(java_script_enabled=False)
    watched = watch(context.new_page())
    yield watched
    _shot(request, watched.page)
    context.close()


def _first_task(tab: Watched, server: UIServer, step: str, run: int = 1) -> str:
    tab.page.goto(f"{server.url}/HostileFlow/{run}/{step}")
    href = tab.page.locator("#tasks tbody a").first.get_attribute("href")
    assert href is not None
    return href


def test_every_page_renders_and_hostile_strings_stay_text(tab: Watched, server: UIServer) -> None:
    page = tab.page
    page.goto(f"{server.url}/")
    assert page.locator("#flows").get_by_text("HostileFlow").count() == 1
    page.goto(f"{server.url}/HostileFlow")
    assert page.locator("#runs tbody tr").count() >= 2
    assert page.get_by_text(HOSTILE[0]).count() >= 1  # a tag, as text
    page.goto(f"{server.url}/HostileFlow/1")
    assert page.locator("#run-graph svg .fs-node").count() == 4
    assert page.locator("#run-timeline svg rect.fs-bar").count() == 7
    assert page.locator("#params").get_by_text(HOSTILE[1]).count() == 1
    assert page.locator("#tag-list").get_by_text(HOSTILE[2]).count() == 1
    page.goto(f"{server.url}/HostileFlow/1/body")
    assert page.locator("#tasks tbody tr").count() == 3
    page.goto(server.url.rsplit("/ui", 1)[0] + _first_task(tab, server, "start"))
    assert page.locator("#log-stdout").inner_text().count("window.__pwned") == 3
    for name in ("text", "mapping", "frame", "array", "png"):
        page.locator(f'a[data-preview="preview-{name}"]').click()
        page.locator(f"#preview-{name} .fs-preview").wait_for(state="attached")
    assert page.locator("#preview-frame table tbody tr").count() == 3
    page.wait_for_function(  # a data: image decodes asynchronously
        "() => { const i = document.querySelector('#preview-png img');"
        " return i !== null && i.complete && i.naturalWidth === 1; }"
    )
    assert HOSTILE[0] in page.locator("#preview-text pre").inner_text()
    page.goto(f"{server.url}/HostileFlow")
    page.locator("#runs input[value='HostileFlow/1']").check()
    page.locator("#runs input[value='HostileFlow/2']").check()
    page.locator("#compare-button").click()
    page.wait_for_url(re.compile(r".*/compare\?runs=HostileFlow%2F[12]%2CHostileFlow%2F[12].*"))
    assert page.locator("svg.fs-chart").count() >= 1
    assert page.locator("#compare-table").get_by_text("params.alpha").count() == 1
    tab.assert_clean()


def test_tags_are_edited_in_place_and_a_hostile_tag_runs_nothing(
    tab: Watched, server: UIServer
) -> None:
    page = tab.page
    page.goto(f"{server.url}/HostileFlow/2")
    hostile = '<img src=x onerror="window.__pwned=9;alert(9)">'
    page.locator("#tag-add input[name=add]").fill(hostile)
    page.locator("#tag-add button").click()
    page.locator("#tag-list .fs-tag", has_text="onerror").wait_for()
    page.locator("#tag-list li", has_text="onerror").locator("button").click()
    page.locator("#tag-list .fs-tag", has_text="onerror").wait_for(state="detached")
    page.reload()
    assert page.locator("#tag-list .fs-tag", has_text="onerror").count() == 0
    assert page.locator("#tag-list .fs-tag", has_text="<img").count() == 0  # one tag, all gone
    tab.assert_clean()


def test_reading_and_tag_edits_work_without_javascript(
    tab_no_js: Watched, server: UIServer
) -> None:
    page = tab_no_js.page
    page.goto(f"{server.url}/HostileFlow?sort=id&order=asc")
    assert page.locator("#runs tbody tr").first.get_attribute("data-run") == "1"
    page.goto(f"{server.url}/HostileFlow/2")
    assert page.locator("#run-graph svg").count() == 1
    page.locator("#tag-add input[name=add]").fill("no-js-tag")
    page.locator("#tag-add button").click()
    page.wait_for_url(re.compile(r".*/HostileFlow/2#tags$"))
    assert page.locator("#tag-list .fs-tag", has_text="no-js-tag").count() == 1
    page.locator("#tag-list li", has_text="no-js-tag").locator("button").click()
    page.wait_for_url(re.compile(r".*/HostileFlow/2#tags$"))
    assert page.locator("#tag-list .fs-tag", has_text="no-js-tag").count() == 0
    page.goto(f"{server.url}/HostileFlow")
    page.locator("#runs input[value='HostileFlow/1']").check()
    page.locator("#runs input[value='HostileFlow/2']").check()
    page.locator("#compare-button").click()
    page.wait_for_url(re.compile(r".*/compare\?.*"))
    assert page.locator("#compare-table thead th a").count() == 2
    page.goto(server.url.rsplit("/ui", 1)[0] + _first_task(tab_no_js, server, "start"))
    page.locator('a[data-preview="preview-frame"]').click()  # no script: the preview page
    assert page.locator(".fs-preview table tbody tr").count() == 3


def _start(root: Path, flow: Path, *args: str) -> subprocess.Popen[bytes]:
    """`python FLOW run ARGS` in `root`, in its own process group (the test ends it)."""
    shutil.copy(flow, root / flow.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env.update(FLOWSCOPE_USER="tester", PYTHONPATH=str(SRC), FLOWSCOPE_HEARTBEAT_INTERVAL="0.3")
    return subprocess.Popen(
        [sys.executable, flow.name, "run", *args], cwd=root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=15)


def _wait_files(directory: Path, pattern: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(list(directory.glob(pattern))) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {count} {pattern} in {directory}")
        time.sleep(0.05)


def test_a_running_flow_updates_live(tab: Watched, server: UIServer, hostile_root: Path) -> None:
    gate = hostile_root / "gate"
    gate.mkdir(exist_ok=True)
    (gate / "hold").touch()
    proc = _start(hostile_root, GATED, "--n", "2", "--gate", str(gate))
    try:
        _wait_files(gate, "started.*", 2, timeout=60)
        page = tab.page
        page.goto(f"{server.url}/GatedFlow/1")
        assert page.locator("#run-status").inner_text() == "running"
        # the started files may come before the batched start is recorded: the page catches up
        page.locator("#run-steps tr[data-step=body] .fs-status-running").wait_for()
        (gate / "open").touch()
        page.locator("#run-status.fs-status-succeeded").wait_for(timeout=90_000)
        assert page.locator("#run-steps tr[data-step=end] .fs-status-succeeded").count() == 1
        assert page.locator("#run-graph svg .fs-status-succeeded").count() == 4
        assert proc.wait(timeout=60) == 0
        page.screenshot(path=str(artifacts_dir() / "run-page.png"), full_page=False)
        tab.assert_clean()
    finally:
        _end(proc)


def test_a_running_task_tails_its_output(
    tab: Watched, server: UIServer, hostile_root: Path
) -> None:
    gate = hostile_root / "tail-gate"
    gate.mkdir(exist_ok=True)
    proc = _start(hostile_root, TAIL, "--gate", str(gate))
    try:
        _wait_files(gate, "started", 1, timeout=60)
        page = tab.page
        page.goto(f"{server.url}/TailFlow/1/start")
        page.locator("#tasks tbody a").first.click()
        log = page.locator("#log-stdout")
        page.locator("#task-status.fs-status-running").wait_for()
        assert log.get_attribute("data-live-log") is not None
        shown = log.inner_text().count("tick")
        page.wait_for_function(
            "n => document.getElementById('log-stdout').textContent.split('tick').length - 1 > n + 5",
            arg=shown, timeout=60_000,
        )  # fmt: skip
        (gate / "open").touch()
        page.locator("#task-status.fs-status-succeeded").wait_for(timeout=90_000)
        page.wait_for_function(
            "() => document.getElementById('log-stdout').textContent.includes('done')",
            timeout=30_000,
        )
        text = log.inner_text()
        ticks = [line for line in text.splitlines() if line.startswith("tick")]
        assert ticks == [f"tick {i}" for i in range(len(ticks))]  # no line lost or repeated
        assert proc.wait(timeout=60) == 0
        tab.assert_clean()
    finally:
        _end(proc)
