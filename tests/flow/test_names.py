"""Reserved names and suggestions (flow/names.py)."""

from __future__ import annotations

import pytest

from flowscope.flow.names import (
    INTERNAL_PREFIX,
    RESERVED,
    RESERVED_PARAMETER_NAMES,
    did_you_mean,
    is_identifier,
)


def test_parameters_reserve_the_command_line_options_too() -> None:
    assert RESERVED < RESERVED_PARAMETER_NAMES
    assert {"max_workers", "metadata", "tag"} <= RESERVED_PARAMETER_NAMES - RESERVED
    assert INTERNAL_PREFIX == "_fs_"


@pytest.mark.parametrize(
    "name,ok",
    [
        ("x", True),
        ("_a1", True),
        ("ünï", False),  # an identifier to Python, but no pathspec can address it
        ("x" * 200, True),
        ("x" * 201, False),
        ("1x", False),
        ("a-b", False),
        ("class", False),
        ("", False),
        (3, False),
    ],
)
def test_is_identifier(name: object, ok: bool) -> None:
    assert is_identifier(name) is ok


def test_did_you_mean() -> None:
    assert (
        did_you_mean("sccore", ["score", "scores", "other"]) == " Did you mean 'score' or 'scores'?"
    )
    assert did_you_mean("zzz", ["score"]) == ""
    assert did_you_mean("a", []) == ""
    assert did_you_mean("trian", ["train", "train"]) == " Did you mean 'train'?"  # duplicates once
