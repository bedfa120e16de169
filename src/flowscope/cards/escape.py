"""Escaping for everything a user puts in a card (and, later, in the web UI's pages).

Every string that reaches HTML goes through one of these functions; nothing is concatenated
into markup raw. The rules:

- `text(value)`: element content and quoted attribute values. `&`, `<`, `>`, `"` and `'` are
  replaced, so a value can never close the element or attribute it sits in (`</textarea>`,
  `"><img onerror=...>` stay text). Lone surrogates, which cannot be encoded as UTF-8, become
  U+FFFD.
- `css_name(value, what)`: a value used as (part of) a CSS class name must look like one, or
  the caller gets a CardError naming `what`.
- `image_data_uri(...)` / `is_image_data_uri(...)`: the only image sources a card uses are
  `data:image/...;base64,` URIs, so a card never loads anything from the network.
- `scrub(value)`: lone surrogates replaced, for text handed to a parser (Markdown).
- `clip(value, limit)`: bound a string, saying how much was left out.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Final

from flowscope.errors import CardError

_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_CSS_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
IMAGE_TYPES: Final = ("png", "jpeg", "gif", "webp", "svg+xml")
_DATA_URI: Final = re.compile(
    r"data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]*={0,2}", re.ASCII
)


def scrub(value: str) -> str:
    """`value` with lone surrogates (not encodable as UTF-8) replaced by U+FFFD."""
    if value.isascii() or not _SURROGATES.search(value):
        return value
    return _SURROGATES.sub("\ufffd", value)


def text(value: object) -> str:
    """`value` as text that is safe in element content and in a quoted attribute value."""
    return html.escape(scrub(value if isinstance(value, str) else str(value)), quote=True)


def clip(value: str, limit: int) -> str:
    """`value` cut to at most about `limit` characters, ending with how much was left out."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value) - limit:,} more characters)"


def css_name(value: str, what: str) -> str:
    """`value` when it is a plain CSS class name (a letter, then letters, digits, `-`, `_`)."""
    if not isinstance(value, str) or not _CSS_NAME.fullmatch(value):
        raise CardError(
            f"{what} {value!r} is not a CSS class name: use a letter followed by letters, "
            "digits, '-' or '_' (at most 64 characters)"
        )
    return value


def image_data_uri(data: bytes, subtype: str) -> str:
    """A `data:image/SUBTYPE;base64,...` URI for `data` (`subtype` one of IMAGE_TYPES)."""
    if subtype not in IMAGE_TYPES:
        raise CardError(f"image type {subtype!r} is not one of {', '.join(IMAGE_TYPES)}")
    return f"data:image/{subtype};base64,{base64.b64encode(data).decode('ascii')}"


def is_image_data_uri(value: str) -> bool:
    """True when `value` is a base64 `data:image/...` URI of an allowed image type."""
    return bool(_DATA_URI.fullmatch(value))
