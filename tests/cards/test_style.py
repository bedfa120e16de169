"""The card stylesheet loads nothing: no URL, no import, no font face."""

from __future__ import annotations

from flowscope.cards.style import CARD_CSS


def test_the_stylesheet_references_nothing_outside_itself() -> None:
    lowered = CARD_CSS.lower()
    for forbidden in ("url(", "@import", "@font-face", "expression(", "</style"):
        assert forbidden not in lowered


def test_the_stylesheet_styles_the_components_it_is_for() -> None:
    for selector in (".fs-error", ".fs-valuebox", ".fs-progress", ".fs-theme-success", "pre"):
        assert selector in CARD_CSS
