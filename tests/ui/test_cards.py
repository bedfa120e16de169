"""A task's cards on the task page (cards.py): each in a frame sandboxed without any allow
flag, its HTML served by its own route with a strict CSP, in-process over a real run."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Http, run_flow


@pytest.fixture(scope="module")
def carded() -> Iterator[Http]:
    from flowscope.client.context import CONTEXT
    from flowscope.config import Settings
    from flowscope.stores import open_stores
    from flowscope.ui import create_app

    with tempfile.TemporaryDirectory(prefix="fs-ui-cards-") as tmp:
        root = Path(tmp)
        run_flow(root, "carded")
        stores = open_stores(str(root), None, settings=Settings.from_env())
        CONTEXT.use_stores(stores)  # as `flowscope ui` does: the client reads the same pair
        try:
            yield Http(create_app(stores, secret=b"k" * 32))
        finally:
            CONTEXT.reset()
            stores.close()


def _task(http: Http, step: str) -> str:
    found = re.findall(
        rf'href="(/ui/CardedFlow/1/{step}/\d+)"', http.get(f"/ui/CardedFlow/1/{step}").text
    )
    assert found
    return str(found[0])


def test_cards_sit_in_frames_sandboxed_without_allow_flags(carded: Http) -> None:
    page = carded.get(_task(carded, "start"))
    assert page.status_code == 200
    frames = re.findall(r"<iframe[^>]*>", page.text)
    assert len(frames) == 2
    for frame in frames:
        assert re.search(r"\bsandbox(?=[\s>])", frame) and "allow-" not in frame
    assert "hostile" in page.text and "<script>window.top" not in page.text


def test_a_cards_html_is_served_with_its_own_strict_policy(carded: Http) -> None:
    task = _task(carded, "start").split("/ui/", 1)[1]
    first = carded.get(f"/ui/-/card/{task}/0")
    second = carded.get(f"/ui/-/card/{task}/1")
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    for answer in (first, second):
        policy = answer.headers["content-security-policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy
        assert "script-src" not in policy and "allow-scripts" not in policy
    bodies = first.text + second.text
    assert "plain card text" in bodies and "Carded" in bodies
    assert carded.get(f"/ui/-/card/{task}/2").status_code == 404
    assert carded.get(f"/ui/-/card/{task}/x").status_code == 400


def test_a_task_without_cards_says_so(carded: Http) -> Any:
    page = carded.get(_task(carded, "end"))
    assert "No cards are recorded for this task." in page.text and "<iframe" not in page.text
