"""Artifact previews (preview.py): what each kind of value shows, and the bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flowscope.ui.preview import ROWS, TEXT_CHARS, preview_value

PNG = bytes.fromhex("89504e470d0a1a0a") + b"rest"


def test_a_dataframe_shows_its_first_rows() -> None:
    frame = pd.DataFrame({"a": range(1000), "<b>": ["x"] * 1000})
    shown = preview_value(frame)
    assert shown.kind == "table" and len(shown.rows) == ROWS
    assert shown.header == ["", "a", "<b>"] and "1,000 rows × 2 columns" in shown.summary


def test_an_array_shows_shape_dtype_and_summary() -> None:
    shown = preview_value(np.arange(10_000, dtype="int32").reshape(100, 100))
    assert shown.summary == "ndarray, shape (100, 100), dtype int32"
    assert "min 0  max 9999  mean 4999.5" in shown.text and len(shown.text) < 2000


def test_text_json_bytes_and_images() -> None:
    assert preview_value("x" * (TEXT_CHARS + 10)).text.endswith("(10 more characters)")
    assert '"k": [' in preview_value({"k": [1, 2]}).text
    image = preview_value(PNG)
    assert (
        image.kind == "image"
        and image.image is not None
        and image.image.startswith("data:image/png;base64,")
    )
    raw = preview_value(b"\x00\x01")
    assert raw.kind == "text" and raw.text == "00 01"


def test_a_hostile_repr_is_only_text() -> None:
    class Odd:
        def __repr__(self) -> str:
            return "<script>alert(1)</script>"

    shown = preview_value(Odd())
    assert (
        shown.kind == "text" and shown.text == "<script>alert(1)</script>"
    )  # escaped by the template


def test_an_inline_copy_is_previewed_without_the_datastore_and_a_bad_one_is_named() -> None:
    import base64

    from flowscope.datastore import ContentStore, save_artifact
    from flowscope.datastore.memory import MemoryStorage
    from flowscope.metastore.records import ArtifactRecord
    from flowscope.ui.preview import preview_artifact

    writer = ContentStore(MemoryStorage(), inline_max=2048)
    info = save_artifact(writer, {"k": [1, 2]})
    assert info.inline is not None

    def record(inline: str | None) -> ArtifactRecord:
        return ArtifactRecord(
            "x", info.sha, info.size, info.type_name, info.serializer, 0.0, inline=inline
        )

    empty = ContentStore(MemoryStorage())  # the blob is not there: only the copy has it
    assert '"k": [' in preview_artifact(empty, record(info.inline)).text
    missing = preview_artifact(empty, record(None))  # no copy: the datastore is asked
    assert missing.kind == "note" and "BlobNotFound" in missing.summary
    bad = preview_artifact(empty, record(base64.b64encode(b"not the blob").decode()))
    assert bad.kind == "note" and "BlobCorrupted" in bad.summary
