"""datastore/s3_address.py: `parse_url` splits and validates `s3://bucket/prefix` without
importing boto3, naming what is wrong (and never repeating credentials)."""

from __future__ import annotations

import pytest

from flowscope.datastore.s3_address import parse_url
from flowscope.errors import DataStoreError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://team-bucket", ("team-bucket", "")),
        ("s3://team-bucket/", ("team-bucket", "")),
        ("s3://team-bucket/flowscope", ("team-bucket", "flowscope")),
        ("s3://team.bucket-1/a/b/c/", ("team.bucket-1", "a/b/c")),
        ("S3://team-bucket/x", ("team-bucket", "x")),
    ],
)
def test_bucket_and_prefix(url: str, expected: tuple[str, str]) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["s3://", "s3://B/x", "s3://ab/x", "s3://a..b/x", "s3://bucket/../x", "s3://bucket/a?b",
     "s3://bucket/a#b", "http://bucket/x"],
)  # fmt: skip
def test_a_bad_address_is_a_datastore_error_naming_it(url: str) -> None:
    with pytest.raises(DataStoreError, match="Cannot open datastore"):
        parse_url(url)


def test_credentials_in_the_address_are_not_repeated() -> None:
    with pytest.raises(DataStoreError) as info:
        parse_url("s3://key:hunter2@bucket/x")
    assert "hunter2" not in str(info.value)
