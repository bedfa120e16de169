"""A card as one self-contained HTML document that works offline.

    html = render_document(body_html, title="TrainFlow/3/train/4", card_type="default")

The document inlines its one stylesheet and carries a Content-Security-Policy that forbids
everything else: no script (unless the caller passes one, which is then allowed by its hash
alone: the live view of `card server` is the intended user), no style but the inline
stylesheet (by hash) and style attributes, images only from `data:` URIs, no fonts, frames,
connections, forms, plugins or `<base>`. Together with escaping every user string, a card
runs nothing and loads nothing, whether opened from a file, a notebook or a web page.
`refresh_seconds` adds a `<meta http-equiv="refresh">`, which reloads the card without any
script (for a card that is still being written).
"""

from __future__ import annotations

import base64
import hashlib
import math

from flowscope.cards.escape import css_name, scrub, text
from flowscope.cards.style import CARD_CSS
from flowscope.errors import CardError

GENERATOR = "flowscope cards"


def _sha256(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(script: str | None = None) -> str:
    """The policy of a card document; `script` (the text of its one script) is allowed by hash."""
    scripts = _sha256(script) if script is not None else "'none'"
    return (
        "default-src 'none'; "
        f"script-src {scripts}; "
        f"style-src-elem {_sha256(CARD_CSS)}; "
        "style-src-attr 'unsafe-inline'; "
        "img-src data:; "
        "font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; "
        "frame-src 'none'; child-src 'none'; worker-src 'none'; manifest-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def render_document(
    body: str,
    *,
    title: str,
    card_type: str,
    card_id: str | None = None,
    refresh_seconds: float | None = None,
    script: str | None = None,
) -> str:
    """A complete card document around `body` (an HTML fragment built by the components).

    `title` and `card_id` are user strings and are escaped; `card_type` must be a CSS name.
    `script` must not contain `</script`.
    """
    kind = css_name(card_type, "card type")
    refresh = ""
    if refresh_seconds is not None:
        if not (math.isfinite(refresh_seconds) and 0 < refresh_seconds <= 86_400):
            raise CardError(f"refresh_seconds must be within (0, 86400], not {refresh_seconds!r}")
        refresh = f'<meta http-equiv="refresh" content="{refresh_seconds:g}">'
    script_tag = ""
    if script is not None:
        if "</script" in script.lower():
            raise CardError("a card's script must not contain '</script'")
        script_tag = f"<script>{script}</script>"
    card_id_attr = f' data-card-id="{text(card_id)}"' if card_id is not None else ""
    document = (
        "<!DOCTYPE html>\n"
        f'<html lang="en" data-card-type="{kind}"{card_id_attr}><head>'
        '<meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(script)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="{GENERATOR}">{refresh}'
        f"<title>{text(title)}</title><style>{CARD_CSS}</style></head>"
        f'<body class="fs-card fs-card-{kind}"><main>{body}</main>{script_tag}</body></html>\n'
    )
    return scrub(document)  # a stray surrogate from any path must not break encoding
