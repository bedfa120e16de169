"""Image: bytes sniffed by signature, PIL and matplotlib sources, updates, bad input."""

from __future__ import annotations

import base64
import io
import warnings

import matplotlib
import pytest
from PIL import Image as PILImage

from flowscope.cards.image import MAX_BYTES, Image, sniff_image_type

from .html_check import assert_inert, parse

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _png(color: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 3), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _src(image: Image) -> str:
    (img,) = assert_inert(image.render()).find("img")
    return img.attrs["src"]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"GIF89a..", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"<svg onload=x>", None),
        (b"", None),
    ],
)
def test_sniffing(head: bytes, kind: str | None) -> None:
    assert sniff_image_type(head) == kind


def test_bytes_are_embedded_as_a_data_uri_with_a_label() -> None:
    png = _png()
    image = Image(png, label="red")
    assert _src(image) == "data:image/png;base64," + base64.b64encode(png).decode()
    parsed = parse(image.render())
    assert parsed.find("figcaption") and "red" in parsed.joined_text


def test_from_pil_image_and_from_matplotlib_figure_and_axes() -> None:
    assert _src(Image.from_pil_image(PILImage.new("L", (2, 2)))).startswith("data:image/png")
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    assert _src(Image.from_matplotlib(ax)).startswith("data:image/png")
    assert not plt.fignum_exists(fig.number)  # the figure was closed
    fig2 = plt.figure()
    assert _src(Image.from_matplotlib(fig2)).startswith("data:image/png")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda: Image(b"not an image"), "not a PNG, JPEG, GIF or WebP"),
        (lambda: Image("https://example.invalid/x.png"), "base64 data:image"),
        (lambda: Image(12), "not int"),
        (lambda: Image(), "no image given"),
        (lambda: Image(b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES)), "at most"),
        (lambda: Image.from_pil_image("nope"), "needs a PIL image"),
        (lambda: Image.from_matplotlib(3), "needs a matplotlib Figure"),
    ],
)
def test_unusable_sources_show_an_error_instead_of_raising(make, why) -> None:  # type: ignore[no-untyped-def]
    parsed = assert_inert(make().render())
    assert not parsed.find("img") and why in parsed.joined_text


def test_update_replaces_the_image_unless_updates_are_disabled() -> None:
    image = Image.from_pil_image(PILImage.new("RGB", (1, 1)))
    first = _src(image)
    image.update(_png((0, 0, 255)), label="blue")
    assert _src(image) != first and "blue" in parse(image.render()).joined_text
    image.update(PILImage.new("RGB", (3, 3), (0, 255, 0)))
    assert "blue" in parse(image.render()).joined_text  # the label stays
    fixed = Image(_png())
    before = _src(fixed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fixed.update(_png((1, 2, 3)))
    assert _src(fixed) == before and "disable_updates" in str(caught[0].message)
