"""Escaping: text and attribute values, CSS names, image data URIs, clipping."""

from __future__ import annotations

import pytest

from flowscope.cards.escape import clip, css_name, image_data_uri, is_image_data_uri, scrub, text
from flowscope.errors import CardError


def test_text_escapes_every_character_that_can_end_markup() -> None:
    assert text("<a href=\"x\" title='y'>&</a>") == (
        "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;"
    )
    assert text(42) == "42"


def test_lone_surrogates_become_the_replacement_character() -> None:
    assert scrub("a\ud800b") == "a\ufffdb"
    assert text("\udfff<") == "\ufffd&lt;"
    assert text("x").encode("utf-8")


def test_clip_says_how_much_it_left_out() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 2) == "ab… (4 more characters)"


@pytest.mark.parametrize("good", ["success", "bg-gradient-indigo-purple", "a_1"])
def test_css_names_pass(good: str) -> None:
    assert css_name(good, "theme") == good


@pytest.mark.parametrize("bad", ["", "1abc", "a b", 'x"><script>', "a" * 65, "é"])
def test_anything_else_is_a_card_error_naming_the_field(bad: str) -> None:
    with pytest.raises(CardError, match="theme"):
        css_name(bad, "theme")


def test_image_data_uris() -> None:
    uri = image_data_uri(b"\x89PNG", "png")
    assert uri == "data:image/png;base64,iVBORw=="
    assert is_image_data_uri(uri)
    assert not is_image_data_uri("data:text/html;base64,PHNjcmlwdD4=")
    assert not is_image_data_uri('data:image/png;base64,AA"onerror=x')
    assert not is_image_data_uri("https://example.com/x.png")
    with pytest.raises(CardError):
        image_data_uri(b"", "html")
