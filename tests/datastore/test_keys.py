"""Key validation and the errors that name a key."""

from __future__ import annotations

import pytest

from flowscope.datastore.keys import blob_corrupted, blob_not_found, check_key
from flowscope.errors import BlobCorrupted, BlobNotFound, DataStoreError


def test_a_valid_key_is_returned() -> None:
    key = "0123456789abcdef" * 4
    assert check_key(key) == key


@pytest.mark.parametrize(
    "bad", ["../" + "a" * 61, "a" * 63 + "\n", "ABCDEF" + "a" * 58, " " + "a" * 63, "a" * 128]
)
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(DataStoreError, match="64 lowercase hex"):
        check_key(bad)


def test_a_non_string_key_names_its_type() -> None:
    with pytest.raises(DataStoreError, match="got bytes"):
        check_key(b"a" * 64)


def test_errors_carry_the_key_and_say_what_to_do() -> None:
    key = "a" * 64
    missing = blob_not_found(key, "/store")
    assert isinstance(missing, BlobNotFound) and missing.key == key  # type: ignore[attr-defined]
    assert key in str(missing) and "/store" in str(missing) and "re-run" in str(missing)
    damaged = blob_corrupted(key, "/store", "its content hashes to 00")
    assert isinstance(damaged, BlobCorrupted) and damaged.key == key  # type: ignore[attr-defined]
    message = str(damaged)
    assert key in message and "altered or damaged on disk" in message
    assert "re-run the task" in message and "resume" in message
