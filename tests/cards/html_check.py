"""Reading rendered card HTML back, for structural assertions (never byte equality).

`parse(html)` gives every element (tag, attributes) and the visible text; `assert_inert`
checks the things that would let a card run or load something: script elements, event
handler attributes, `javascript:`/`vbscript:` URLs, and resource URLs that are not `data:`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "javascript:window.__pwned = 2",
    '<a href="javascript:window.__pwned=3">x</a>',
    "</textarea><script>window.__pwned = 4</script>",
    '"><img src=x onerror="window.__pwned = 5">',
    "'><svg onload=window.__pwned=6>",
    "</pre></div></main><iframe src=javascript:window.__pwned=7>",
    "<style>body{background:url(https://example.invalid/x)}</style>",
    "\ud800 lone surrogate & ampersand",
]
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "data", "poster", "srcset"}
RESOURCE_TAGS = {"img", "script", "link", "iframe", "embed", "object", "source", "video", "audio"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


@dataclass
class Parsed:
    elements: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and (cls is None or cls in e.attrs.get("class", "").split())
        ]

    @property
    def joined_text(self) -> str:
        return "".join(self.text)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parsed.elements.append(Element(tag, {k: v or "" for k, v in attrs}))
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parsed.text.append(data)


def parse(html: str) -> Parsed:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.parsed


def assert_inert(html: str, styles: int = 0) -> Parsed:
    """No script, no handler, no script URL, no resource from anywhere but a data: URI, and
    exactly `styles` style elements (a document has its own one; a fragment none)."""
    parsed = parse(html)
    assert len(parsed.find("style")) == styles
    for element in parsed.elements:
        assert element.tag != "script", element
        assert element.tag not in ("iframe", "object", "embed", "base", "form"), element
        for name, value in element.attrs.items():
            assert not name.startswith("on"), element
            if name in URL_ATTRIBUTES:
                url = value.strip().lower()
                assert not url.startswith(("javascript:", "vbscript:")), element
                if element.tag in RESOURCE_TAGS:
                    assert url.startswith("data:image/"), element
    return parsed
