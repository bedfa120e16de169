"""`Markdown`: a block of text formatted in Markdown, rendered safely.

    current.card.append(Markdown("# Results\\nAccuracy **0.93**"))

The text is parsed by markdown-it-py (CommonMark, plus tables and strikethrough) with raw HTML
allowed, and the resulting HTML is then cleaned by nh3 (the Python binding of the Rust
sanitiser ammonia) against an allow-list: formatting tags only, no scripts, styles, forms,
frames or event handlers. Links keep only http, https, mailto and in-page (#) targets; images
keep only embedded `data:image/...` sources, so nothing is fetched when the card is viewed.
Both libraries come with `flowscope[cards]` and are imported on the first render.

Like every component, a Markdown given something it cannot use (not a string) does not raise
where it is built: its render shows the error in the card, so a card never fails its task.
"""

from __future__ import annotations

import functools
import textwrap
from typing import Any

from flowscope.cards.component import MetaflowCardComponent, id_attribute
from flowscope.cards.escape import is_image_data_uri, scrub
from flowscope.errors import CardError

INSTALL_HINT = "install the card extra: pip install 'flowscope[cards]'"

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol",
        "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "code": {"class"},
}
LINK_PREFIXES = ("http://", "https://", "mailto:", "#")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: the narrower rules for link targets and image sources."""
    if tag == "a" and attribute == "href":
        return value if value.strip().lower().startswith(LINK_PREFIXES) else None
    if tag == "img" and attribute == "src":
        return value if is_image_data_uri(value.strip()) else None
    if tag == "code" and attribute == "class":
        return value if value.startswith("language-") and value.isprintable() else None
    return value


@functools.cache
def _renderer() -> tuple[Any, Any]:
    """The Markdown parser and the sanitiser, built once per process (both are stateless)."""
    try:
        import nh3
        from markdown_it import MarkdownIt
    except ImportError as exc:
        raise CardError(f"Markdown needs markdown-it-py and nh3 ({INSTALL_HINT})") from exc
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    cleaner = nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto", "data"},
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return parser, cleaner


def render_markdown(source: str) -> str:
    """Markdown `source` as sanitised HTML."""
    parser, cleaner = _renderer()
    return str(cleaner.clean(parser.render(scrub(source))))


class Markdown(MetaflowCardComponent):
    """Text formatted in Markdown; common leading indentation is removed first."""

    REALTIME_UPDATABLE = True

    def __init__(self, text: str | None = None) -> None:
        self._text = text

    def update(self, text: str | None = None) -> None:
        """Replace the text."""
        self._text = text

    def render(self) -> str:
        if self._text is not None and not isinstance(self._text, str):
            raise CardError(f"Markdown takes a string, not {type(self._text).__name__}")
        body = render_markdown(textwrap.dedent(self._text)) if self._text else ""
        return f'<div class="fs-component fs-markdown"{id_attribute(self)}>{body}</div>'
