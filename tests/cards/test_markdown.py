"""Markdown: CommonMark rendered, raw HTML sanitised by nh3, links and images restricted."""

from __future__ import annotations

from flowscope.cards.markdown import Markdown, render_markdown

from .html_check import assert_inert, parse


def test_markdown_renders_headings_emphasis_lists_tables_and_code() -> None:
    md = "# Title\n\nsome **bold** and `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    parsed = parse(Markdown(md).render())
    tags = [e.tag for e in parsed.elements]
    for tag in ("h1", "strong", "code", "ul", "li", "table", "td"):
        assert tag in tags, tag
    assert "Title" in parsed.joined_text


def test_indented_text_is_dedented_first() -> None:
    html = Markdown("""
        # Header
        - item
    """).render()
    assert parse(html).find("h1") and parse(html).find("li")


def test_safe_raw_html_is_kept_and_active_html_removed() -> None:
    html = render_markdown(
        '<b>bold</b><script>alert(1)</script><span onclick="x()">s</span>'
        '<iframe src="https://e.invalid"></iframe><style>*{}</style><form><input></form>'
    )
    parsed = assert_inert(html)
    assert parsed.find("b") and parsed.find("span")
    assert "alert" not in html and "onclick" not in html and "iframe" not in html


def test_links_keep_only_web_mail_and_fragment_targets() -> None:
    html = render_markdown(
        '<a href="javascript:alert(1)">j</a> <a href="data:text/html,x">d</a> '
        '<a href="https://ok.example/">w</a> <a href="#sec">f</a> [m](mailto:a@b.c) '
        '<a href=" JaVaScRiPt:alert(1)">k</a>'
    )
    hrefs = [e.attrs.get("href") for e in parse(html).find("a")]
    assert hrefs == [None, None, "https://ok.example/", "#sec", "mailto:a@b.c", None]
    assert all(e.attrs.get("rel") == "noopener noreferrer nofollow" for e in parse(html).find("a"))


def test_images_keep_only_embedded_sources() -> None:
    html = render_markdown(
        "![remote](https://tracker.invalid/p.png) ![ok](data:image/png;base64,iVBORw==) "
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">'
    )
    srcs = [e.attrs.get("src") for e in assert_inert(html).find("img")]
    assert srcs == [None, "data:image/png;base64,iVBORw==", "data:image/svg+xml;base64,PHN2Zz4="]


def test_update_replaces_the_text_and_none_renders_empty() -> None:
    m = Markdown("# one")
    m.update("## two")
    parsed = parse(m.render())
    assert parsed.find("h2") and not parsed.find("h1")
    assert parse(Markdown().render()).find("div", "fs-markdown")


def test_a_non_string_is_an_error_at_render_not_at_construction() -> None:
    m = Markdown(42)  # type: ignore[arg-type]
    try:
        m.render()
    except Exception as exc:
        assert "Markdown takes a string, not int" in str(exc)
    else:
        raise AssertionError("expected a CardError")
