"""The UI's pages inside a real `flowscope service` process (SQLite, a token file; tests/pg.py),
in real headless Chromium: the token login (a wrong token refused, an HttpOnly SameSite=Strict
cookie no script can read, pages then readable, logout), every page over the service, hostile
strings executing nothing (in cards too, each in a sandboxed frame), tag edits through the service, a running flow updating live, and
reading with JavaScript off. A failing test leaves a screenshot (browser.py: artifacts_dir)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pg import ServiceProcess

from .browser import SRC, Watched, watch
from .conftest import FLOWS, HOSTILE
from .test_browser import GATED, _shot, _wait_files, browser  # noqa: F401 - the fixture

WRONG = "not-the-token"


def _env(service: ServiceProcess) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env.update(
        FLOWSCOPE_USER="tester", PYTHONPATH=str(SRC), PYTHONUNBUFFERED="1",
        FLOWSCOPE_SERVICE_URL=service.url, FLOWSCOPE_SERVICE_TOKEN=service.token,
        FLOWSCOPE_HEARTBEAT_INTERVAL="0.3",
    )  # fmt: skip
    return env


def _run(root: Path, service: ServiceProcess, flow: Path, *args: str) -> None:
    shutil.copy(flow, root / flow.name)
    proc = subprocess.run(
        [sys.executable, flow.name, "run", *args], cwd=root, env=_env(service),
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def service() -> Iterator[ServiceProcess]:
    """A service over SQLite with two runs of the hostile flow recorded through it."""
    root = Path(tempfile.mkdtemp(prefix="fs-ui-svc-"))
    svc = ServiceProcess(str(root / "metadata.db"), str(root / "blobs"))
    try:
        svc.start(timeout=60)
        hostile = FLOWS / "hostile.py"
        _run(root, svc, hostile, "--note", HOSTILE[1], "--tag", HOSTILE[0], "--tag", HOSTILE[2])
        _run(root, svc, hostile, "--alpha", "2", "--note", HOSTILE[2])
        _run(root, svc, FLOWS / "carded.py")
        svc.root = root  # type: ignore[attr-defined]
        yield svc
    finally:
        svc.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _api(service: ServiceProcess, path: str) -> Any:
    request = urllib.request.Request(
        f"{service.url}/api/v1{path}", headers={"Authorization": f"Bearer {service.token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:  # noqa: F811
    made = browser.new_context(viewport={"width": 1280, "height": 900})
    yield made
    made.close()


@pytest.fixture
def tab(context: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    watched = watch(context.new_page())
    yield watched
    _shot(request, watched.page)


def _sign_in(tab: Watched, service: ServiceProcess, token: str, then: str = "/ui/") -> None:
    page = tab.page
    page.goto(f"{service.url}{then}")
    page.wait_for_url(re.compile(r".*/ui/-/login\?next=.*"))
    page.locator("#token").fill(token)
    page.locator("#sign-in").click()


def _session_cookies(context: Any) -> list[dict[str, Any]]:
    return [c for c in context.cookies() if c["name"] == "flowscope_ui"]


def test_the_token_login_cookie_and_logout(
    tab: Watched, context: Any, service: ServiceProcess
) -> None:
    page = tab.page
    _sign_in(tab, service, WRONG, then="/ui/HostileFlow")
    page.locator("#login-error").wait_for()
    assert "refused" in page.locator("#login-error").inner_text()
    assert _session_cookies(context) == []
    page.locator("#token").fill(service.token)
    page.locator("#sign-in").click()
    page.wait_for_url(f"{service.url}/ui/HostileFlow")  # back where the login was asked for
    (cookie,) = _session_cookies(context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/ui" and service.token not in cookie["value"]
    assert "flowscope_ui" not in page.evaluate("() => document.cookie")  # no script reads it
    assert page.locator("#runs tbody tr").count() == 2
    page.locator("#logout").click()
    page.wait_for_url(f"{service.url}/ui/-/login")
    assert _session_cookies(context) == []
    page.goto(f"{service.url}/ui/HostileFlow/1")
    page.wait_for_url(re.compile(r".*/ui/-/login\?next=%2Fui%2FHostileFlow%2F1$"))
    tab.assert_clean()


def test_every_page_over_the_service_and_hostile_strings_stay_text(
    tab: Watched, service: ServiceProcess
) -> None:
    page = tab.page
    _sign_in(tab, service, service.token)
    page.wait_for_url(f"{service.url}/ui/")
    assert page.locator("#flows").get_by_text("HostileFlow").count() == 1
    page.goto(f"{service.url}/ui/HostileFlow")
    assert page.locator("#runs tbody tr").count() == 2
    assert page.get_by_text(HOSTILE[0]).count() >= 1
    page.goto(f"{service.url}/ui/HostileFlow/1")
    assert page.locator("#run-graph svg .fs-node").count() == 4
    assert page.locator("#run-timeline svg rect.fs-bar").count() == 7
    assert page.locator("#params").get_by_text(HOSTILE[1]).count() == 1
    assert page.locator("#tag-list").get_by_text(HOSTILE[2]).count() == 1
    page.goto(f"{service.url}/ui/HostileFlow/1/body")
    assert page.locator("#tasks tbody tr").count() == 3
    page.goto(f"{service.url}/ui/HostileFlow/1/start")
    href = page.locator("#tasks tbody a").first.get_attribute("href")
    assert href is not None
    page.goto(f"{service.url}{href}")
    assert page.locator("#log-stdout").inner_text().count("window.__pwned") == 3
    for name in ("text", "mapping", "frame", "array", "png"):
        page.locator(f'a[data-preview="preview-{name}"]').click()
        page.locator(f"#preview-{name} .fs-preview").wait_for(state="attached")
    assert page.locator("#preview-frame table tbody tr").count() == 3
    assert HOSTILE[0] in page.locator("#preview-text pre").inner_text()
    page.goto(f"{service.url}/ui/CardedFlow/1/start")
    page.locator("#tasks tbody a").first.click()
    page.locator("#cards iframe").first.wait_for()
    assert page.locator("#cards iframe").count() == 2
    assert page.locator("#cards iframe").first.get_attribute("sandbox") == ""
    texts = [
        page.frame_locator(f"#cards figure[data-card='{i}'] iframe").locator("body").inner_text()
        for i in (0, 1)
    ]
    assert any("plain card text" in t for t in texts) and any("Carded" in t for t in texts)
    page.goto(f"{service.url}/ui/HostileFlow")
    page.locator("#runs input[value='HostileFlow/1']").check()
    page.locator("#runs input[value='HostileFlow/2']").check()
    page.locator("#compare-button").click()
    page.wait_for_url(re.compile(r".*/compare\?runs=HostileFlow%2F[12]%2CHostileFlow%2F[12].*"))
    assert page.locator("#compare-table").get_by_text("params.alpha").count() == 1
    tab.assert_clean()


def test_tag_edits_go_through_the_service(tab: Watched, service: ServiceProcess) -> None:
    page = tab.page
    _sign_in(tab, service, service.token, then="/ui/HostileFlow/2")
    page.wait_for_url(f"{service.url}/ui/HostileFlow/2")
    hostile = '<img src=x onerror="window.__pwned=9;alert(9)">'
    page.locator("#tag-add input[name=add]").fill(hostile)
    page.locator("#tag-add button").click()
    page.locator("#tag-list .fs-tag", has_text="onerror").wait_for()
    assert hostile in _api(service, "/flows/HostileFlow/runs/2")["user_tags"]
    page.locator("#tag-list li", has_text="onerror").locator("button").click()
    page.locator("#tag-list .fs-tag", has_text="onerror").wait_for(state="detached")
    assert hostile not in _api(service, "/flows/HostileFlow/runs/2")["user_tags"]
    tab.assert_clean()


def test_a_running_flow_updates_live_over_the_service(
    tab: Watched, service: ServiceProcess
) -> None:
    root: Path = service.root  # type: ignore[attr-defined]
    gate = root / "gate"
    gate.mkdir(exist_ok=True)
    (gate / "hold").touch()
    shutil.copy(GATED, root / GATED.name)
    proc = subprocess.Popen(
        [sys.executable, GATED.name, "run", "--n", "2", "--gate", str(gate)], cwd=root,
        env=_env(service), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_files(gate, "started.*", 2, timeout=90)
        page = tab.page
        _sign_in(tab, service, service.token, then="/ui/GatedFlow/1")
        page.wait_for_url(f"{service.url}/ui/GatedFlow/1")
        page.locator("#run-steps tr[data-step=body] .fs-status-running").wait_for(timeout=60_000)
        (gate / "open").touch()
        page.locator("#run-status.fs-status-succeeded").wait_for(timeout=90_000)  # no reload
        assert page.locator("#run-graph svg .fs-status-succeeded").count() == 4
        assert proc.wait(timeout=60) == 0
        tab.assert_clean()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=15)


def test_login_and_reading_without_javascript(
    browser: Any,  # noqa: F811
    service: ServiceProcess,
    request: pytest.FixtureRequest,
) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = watch(context.new_page())
    try:
        _sign_in(tab, service, service.token, then="/ui/HostileFlow/1")
        tab.page.wait_for_url(f"{service.url}/ui/HostileFlow/1")
        assert tab.page.locator("#run-graph svg").count() == 1
        tab.page.locator("#logout").click()
        tab.page.wait_for_url(f"{service.url}/ui/-/login")
    finally:
        _shot(request, tab.page)
        context.close()
