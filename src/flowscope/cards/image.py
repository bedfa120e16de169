"""`Image`: a PNG, JPEG, GIF or WebP image embedded in the card.

    current.card.append(Image(png_bytes, label="confusion matrix"))
    current.card.append(Image.from_pil_image(pil_image))
    current.card.append(Image.from_matplotlib(fig))      # a Figure, or an Axes of one

The image is embedded as a `data:` URI, so the card needs no other file and loads nothing.
Bytes are recognised by their signature (not by a name); anything else, or more than
MAX_BYTES, shows an error box in place of the image. A string source must already be a
base64 `data:image/...` URI. PIL and matplotlib are never imported here: the objects passed
in do the encoding. `update()` works unless the Image was built with `disable_updates=True`
(the constructor's default, as in the family; `from_*` default to updatable).
"""

from __future__ import annotations

import io
import sys
import warnings
from typing import Any

from flowscope.cards.component import MetaflowCardComponent, error_fragment, id_attribute
from flowscope.cards.escape import image_data_uri, is_image_data_uri, text

MAX_BYTES = 32 * 1024 * 1024  # an image bigger than this is refused (it would bloat the card)


def sniff_image_type(data: bytes) -> str | None:
    """'png', 'jpeg', 'gif' or 'webp' from the first bytes of `data`, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _source(src: Any) -> tuple[str | None, str | None]:
    """(data URI, None) for a usable source, else (None, why not)."""
    if isinstance(src, str):
        if is_image_data_uri(src):
            return src, None
        return None, "an Image source string must be a base64 data:image/... URI"
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
        if len(data) > MAX_BYTES:
            return None, f"the image is {len(data):,} bytes; at most {MAX_BYTES:,} fit in a card"
        subtype = sniff_image_type(data)
        if subtype is None:
            return None, "the bytes are not a PNG, JPEG, GIF or WebP image"
        return image_data_uri(data, subtype), None
    return None, f"an Image needs bytes or a data:image URI, not {type(src).__name__}"


def _pil_png(image: Any) -> bytes:
    if not callable(getattr(image, "save", None)) or not type(image).__module__.startswith("PIL"):
        raise TypeError(f"from_pil_image needs a PIL image, not {type(image).__name__}")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _matplotlib_png(plot: Any) -> bytes:
    figure = plot if callable(getattr(plot, "savefig", None)) else None
    if figure is None and callable(getattr(plot, "get_figure", None)):
        figure = plot.get_figure()
    if figure is None or not type(figure).__module__.startswith("matplotlib"):
        raise TypeError(
            f"from_matplotlib needs a matplotlib Figure or Axes, not {type(plot).__name__}"
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot = sys.modules.get("matplotlib.pyplot")  # free the figure if pyplot manages it
    if pyplot is not None:
        pyplot.close(figure)
    return buffer.getvalue()


class Image(MetaflowCardComponent):
    """An image from bytes (or a data:image URI), with an optional label."""

    REALTIME_UPDATABLE = True

    def __init__(self, src: Any = None, label: str | None = None, disable_updates: bool = True):
        self._disable_updates = disable_updates
        self._set(src, label)

    def _set(self, src: Any, label: str | None) -> None:
        self._label = label
        self._uri, self._problem = _source(src) if src is not None else (None, "no image given")

    @classmethod
    def _from(cls, convert: Any, obj: Any, label: str | None, disable_updates: bool) -> Image:
        image = cls(None, label=label, disable_updates=disable_updates)
        try:
            image._set(convert(obj), label)
        except Exception as exc:  # shown in the card, never raised into the step
            image._problem = f"{type(exc).__name__}: {exc}"
        return image

    @classmethod
    def from_pil_image(
        cls, pilimage: Any, label: str | None = None, disable_updates: bool = False
    ) -> Image:
        """An Image of a PIL image (encoded as PNG)."""
        return cls._from(_pil_png, pilimage, label, disable_updates)

    @classmethod
    def from_matplotlib(
        cls, plot: Any, label: str | None = None, disable_updates: bool = False
    ) -> Image:
        """An Image of a matplotlib Figure or Axes (encoded as PNG; the figure is closed)."""
        return cls._from(_matplotlib_png, plot, label, disable_updates)

    def update(self, image: Any, label: str | None = None) -> None:
        """Show another image: bytes, a data URI, a PIL image or a matplotlib figure."""
        if self._disable_updates:
            warnings.warn(
                "this Image was built with disable_updates=True; build it with "
                "disable_updates=False to update it",
                UserWarning,
                stacklevel=2,
            )
            return
        label = label if label is not None else self._label
        if isinstance(image, (str, bytes, bytearray, memoryview)):
            self._set(image, label)
            return
        module = type(image).__module__
        convert = _pil_png if module.startswith("PIL") else _matplotlib_png
        updated = Image._from(convert, image, label, disable_updates=False)
        self._uri, self._problem, self._label = updated._uri, updated._problem, label

    def render(self) -> str:
        if self._uri is None:
            return error_fragment(f"Image could not be shown: {self._problem}")
        caption = f"<figcaption>{text(self._label)}</figcaption>" if self._label else ""
        alt = text(self._label or "image")
        return (
            f'<figure class="fs-component fs-image"{id_attribute(self)}>'
            f'<img src="{self._uri}" alt="{alt}">{caption}</figure>'
        )
