"""Previews of artifact values, loaded on demand: a DataFrame's first rows, an array's shape,
dtype and summary, text, JSON-like values and images.

A value is loaded only when its stored size is at most `PREVIEW_LIMIT` (a bigger one gets a
note saying how to load it in a notebook), and only the part shown is turned into text: a
preview is a small plain value (`Preview`), escaped by the template that shows it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowscope.errors import FlowscopeError

if TYPE_CHECKING:
    from flowscope.datastore import ContentStore
    from flowscope.metastore.records import ArtifactRecord

PREVIEW_LIMIT = 32 << 20
TEXT_CHARS = 20_000
ROWS = 20
COLUMNS = 30
_IMAGES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"GIF87a": "gif", b"GIF89a": "gif"}


@dataclass
class Preview:
    """What to show: `kind` is table, array, text, image or note."""

    kind: str
    summary: str = ""
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    image: str | None = None  # a data: URI of PNG, JPEG or GIF bytes


def _clip(value: str, limit: int = TEXT_CHARS) -> str:
    if len(value) <= limit:
        return value
    return f"{value[:limit]}\n… ({len(value) - limit:,} more characters)"


def _cell(value: object) -> str:
    return _clip(repr(value) if not isinstance(value, str) else value, 200)


def preview_value(value: object) -> Preview:
    """A preview of a loaded value (pure)."""
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    if kind == "pandas.DataFrame":
        return _frame(value)
    if kind == "numpy.ndarray":
        return _array(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value[:16])
        for magic, subtype in _IMAGES.items():
            if data.startswith(magic):
                encoded = base64.b64encode(bytes(value)).decode("ascii")
                return Preview("image", f"{subtype} image, {len(value):,} bytes",
                               image=f"data:image/{subtype};base64,{encoded}")  # fmt: skip
        head = bytes(value[:2048])
        rows = (head[i : i + 16].hex(" ") for i in range(0, len(head), 16))
        return Preview("text", f"{len(value):,} bytes", "\n".join(rows))
    if kind.startswith("PIL.") and hasattr(value, "save"):
        return _pil(value)
    if isinstance(value, str):
        return Preview("text", f"text, {len(value):,} characters", _clip(value))
    if isinstance(value, (dict, list, tuple, int, float, bool)) or value is None:
        try:
            shown = json.dumps(value, indent=2, default=repr, ensure_ascii=False)[: TEXT_CHARS + 1]
        except (ValueError, TypeError, RecursionError):
            shown = repr(value)
        size = f", {len(value):,} items" if isinstance(value, (dict, list, tuple)) else ""
        return Preview("text", f"{type(value).__name__}{size}", _clip(shown))
    return Preview("text", kind, _clip(repr(value)))


def _frame(frame: Any) -> Preview:
    head = frame.iloc[:ROWS, :COLUMNS]
    header = [""] + [_cell(c) for c in head.columns]
    rows = [
        [_cell(i)] + [_cell(v) for v in row]
        for i, row in zip(head.index, head.values, strict=False)
    ]
    rows_n, cols_n = frame.shape
    return Preview("table", f"DataFrame, {rows_n:,} rows × {cols_n:,} columns (first {len(rows)})",
                   header=header, rows=rows)  # fmt: skip


def _array(array: Any) -> Preview:
    import numpy as np

    summary = f"ndarray, shape {tuple(array.shape)}, dtype {array.dtype}"
    lines = []
    if (
        array.size
        and np.issubdtype(array.dtype, np.number)
        and not np.issubdtype(array.dtype, np.complexfloating)
    ):
        flat = array.reshape(-1)
        lines.append(f"min {flat.min()}  max {flat.max()}  mean {flat.mean(dtype=np.float64):.6g}")
    with np.printoptions(threshold=200, edgeitems=5):
        lines.append(repr(array))
    return Preview("array", summary, _clip("\n".join(lines)))


def _pil(image: Any) -> Preview:
    import io

    thumb = image.copy()
    thumb.thumbnail((640, 640))
    out = io.BytesIO()
    thumb.convert("RGBA").save(out, format="PNG")
    encoded = base64.b64encode(out.getvalue()).decode("ascii")
    return Preview("image", f"image {image.size[0]}×{image.size[1]} {image.mode}",
                   image=f"data:image/png;base64,{encoded}")  # fmt: skip


def preview_artifact(datastore: ContentStore, record: ArtifactRecord) -> Preview:
    """Load the artifact (when small enough) from `datastore` (its run's: the UI's
    `datastore_for`) and preview it; a note when it cannot be. A small blob that came inline
    with the record is read from it (verified), without the datastore."""
    if record.size > PREVIEW_LIMIT:
        return Preview(
            "note",
            f"{record.type_name}, {record.size:,} bytes stored: too large to preview here "
            f"(limit {PREVIEW_LIMIT >> 20} MiB). Load it in a notebook with the client.",
        )
    from flowscope.datastore import load_artifact, load_inline
    from flowscope.metastore.records import inline_bytes

    try:
        stored = None if record.inline is None else inline_bytes(record.inline)
        if stored is not None:
            value = load_inline(
                record.sha, record.serializer, stored, f"the record of {record.name}"
            )
        else:
            value = load_artifact(datastore, record.sha, record.serializer)
    except (FlowscopeError, ImportError, AttributeError, ValueError, TypeError) as exc:
        return Preview("note", f"could not be loaded: {type(exc).__name__}: {_clip(str(exc), 500)}")
    try:
        return preview_value(value)
    except Exception as exc:  # a hostile __repr__ or a broken value: say so, never fail the page
        return Preview(
            "note", f"could not be previewed: {type(exc).__name__}: {_clip(str(exc), 500)}"
        )
