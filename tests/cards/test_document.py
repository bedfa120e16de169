"""The card document: one self-contained file with a strict Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib

import pytest

from flowscope.cards.document import content_security_policy, render_document
from flowscope.cards.style import CARD_CSS
from flowscope.errors import CardError

from .html_check import assert_inert, parse


def _csp(html: str) -> dict[str, str]:
    (meta,) = [
        e
        for e in parse(html).find("meta")
        if e.attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    return dict(d.strip().split(" ", 1) for d in meta.attrs["content"].split(";"))


def test_the_document_has_its_parts_and_escapes_title_and_id() -> None:
    html = render_document("<p>body</p>", title="<t>", card_type="default", card_id='"x')
    parsed = assert_inert(html, styles=1)
    assert html.startswith("<!DOCTYPE html>")
    (root,) = parsed.find("html")
    assert root.attrs == {"lang": "en", "data-card-type": "default", "data-card-id": '"x'}
    assert "<title>&lt;t&gt;</title>" in html
    assert parsed.find("main") and "body" in parsed.joined_text
    assert parsed.find("meta")[0].attrs == {"charset": "utf-8"}  # first, before anything else


def test_the_policy_forbids_everything_but_its_own_style_and_data_images() -> None:
    policy = _csp(render_document("", title="t", card_type="blank"))
    digest = base64.b64encode(hashlib.sha256(CARD_CSS.encode()).digest()).decode()
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'none'"
    assert policy["style-src-elem"] == f"'sha256-{digest}'"
    assert policy["img-src"] == "data:"
    for directive in (
        "connect-src",
        "font-src",
        "frame-src",
        "object-src",
        "base-uri",
        "form-action",
    ):
        assert policy[directive] == "'none'", directive


def test_a_script_is_allowed_by_its_hash_only() -> None:
    script = "document.title = 'live'"
    html = render_document("", title="t", card_type="blank", script=script)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert _csp(html)["script-src"] == f"'sha256-{digest}'"
    assert f"<script>{script}</script>" in html
    with pytest.raises(CardError, match="</script"):
        render_document("", title="t", card_type="blank", script="x</SCRIPT>")
    assert content_security_policy() != content_security_policy("x")


def test_refresh_is_a_meta_refresh_within_bounds() -> None:
    html = render_document("", title="t", card_type="blank", refresh_seconds=2)
    assert any(e.attrs.get("http-equiv") == "refresh" and e.attrs["content"] == "2"
               for e in parse(html).find("meta"))  # fmt: skip
    for bad in (0, -1, float("nan"), 10**6):
        with pytest.raises(CardError, match="refresh_seconds"):
            render_document("", title="t", card_type="blank", refresh_seconds=bad)


def test_the_card_type_must_be_a_css_name_and_surrogates_are_replaced() -> None:
    with pytest.raises(CardError):
        render_document("", title="t", card_type='x"><script>')
    assert render_document("\ud800", title="t", card_type="blank").encode("utf-8")
