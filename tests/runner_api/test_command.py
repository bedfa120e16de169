"""Keyword arguments to command-line options (runner_api/command.py)."""

from __future__ import annotations

import pytest

from flowscope.errors import RunnerError
from flowscope.runner_api.command import option_args, resume_args


def test_options_parameters_flags_lists_and_json():
    args = option_args(
        {
            "alpha": 0.1,
            "tags": ["a", "b"],
            "max_workers": 4,
            "quiet": True,
            "x": None,
            "cfg": {"k": 1},
            "my_param": "v",
            "off": False,
        }
    )
    assert args == [
        "--alpha",
        "0.1",
        "--tag",
        "a",
        "--tag",
        "b",
        "--max-workers",
        "4",
        "--quiet",
        "--cfg",
        '{"k": 1}',
        "--my_param",
        "v",
    ]


def test_resume_takes_the_origin_run_as_its_argument():
    assert resume_args({"origin_run_id": 3, "max_workers": 2}) == ["3", "--max-workers", "2"]
    assert resume_args({}) == []
    assert resume_args({"origin_run_id": 3, "step_to_rerun": "train"}) == [
        "train",
        "--origin-run-id",
        "3",
    ]


def test_bad_values_and_reserved_names_are_refused():
    with pytest.raises(RunnerError, match="set by the Runner API"):
        option_args({"run_id_file": "x"})
    with pytest.raises(RunnerError, match="give a str"):
        option_args({"alpha": object()})
