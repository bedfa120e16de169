"""Roots and keys of the S3 data tool (datatools/s3paths.py). Pure."""

from __future__ import annotations

import pytest

from flowscope.datatools.s3paths import Root, run_root
from flowscope.errors import S3Error, S3URLError


def test_a_root_and_the_keys_under_it() -> None:
    root = Root.of("s3://bucket/exp/one/")
    assert root.url == "s3://bucket/exp/one"
    assert root.child("a/b.txt") == ("bucket", "exp/one/a/b.txt", "s3://bucket/exp/one/a/b.txt")
    assert root.child("/a") == ("bucket", "exp/one/a", "s3://bucket/exp/one/a")
    assert root.child("") == ("bucket", "exp/one", "s3://bucket/exp/one")
    assert Root.of("s3://bucket").child("k") == ("bucket", "k", "s3://bucket/k")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://bucket/x", "is not an S3 URL"),
        ("s3://Bucket/x", "is not an S3 bucket name"),
        ("s3://a/x", "is not an S3 bucket name"),
        ("s3://b..c/x", "is not an S3 bucket name"),
    ],
)
def test_bad_roots_are_named(url: str, message: str) -> None:
    with pytest.raises(S3URLError, match=message):
        Root.of(url)


def test_keys_stay_under_the_root() -> None:
    root = Root.of("s3://bucket/exp")
    with pytest.raises(S3URLError, match="climbs out of the root"):
        root.child("a/../../secrets")
    with pytest.raises(S3URLError, match="is a full URL"):
        root.child("s3://other/x")


def test_a_run_root_needs_a_step_or_a_run() -> None:
    with pytest.raises(S3Error, match="takes a step's self or a client Run"):
        run_root(42)
