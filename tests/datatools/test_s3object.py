"""S3Object (datatools/s3object.py): what it says of an object, downloaded or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.datatools import S3Object
from flowscope.errors import S3Error


def test_a_downloaded_object_reads_its_bytes_and_text(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes("héllo".encode())
    obj = S3Object("s3://b/p/x", "s3://b/p", "x", path=str(path), size=6, last_modified=0.0)
    assert obj.downloaded and obj.has_info and obj.exists
    assert obj.blob == "héllo".encode() and obj.text == "héllo"
    assert obj.last_modified_at is not None and obj.last_modified_at.year == 1970
    assert "6 bytes" in str(obj)


def test_a_listed_or_missing_object_says_why_it_has_no_bytes() -> None:
    listed = S3Object("s3://b/p/x", "s3://b/p", "x", size=3)
    with pytest.raises(S3Error, match="was listed, not downloaded"):
        _ = listed.blob
    missing = S3Object("s3://b/p/y", "s3://b/p", "y", exists=False)
    assert not missing.has_info and not missing.downloaded
    with pytest.raises(S3Error, match="does not exist"):
        _ = missing.text
