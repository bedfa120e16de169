"""Keyword arguments to command-line options (runner_api/command.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.errors import RunnerError
from flowscope.runner_api.command import option_args, resume_args, split_top_level


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


def test_configs_are_top_level_options_as_name_and_file_or_text():
    top, each = split_top_level(
        {
            "metadata": "/m",
            "config": [("cfg", "c.json")],
            "config_value": {"other": {"a": [1, 2]}, "raw": "x: 1"},
        }
    )
    assert top == [
        "--metadata",
        "/m",
        "--config",
        "cfg",
        "c.json",
        "--config-value",
        "other",
        '{"a": [1, 2]}',
        "--config-value",
        "raw",
        "x: 1",
    ]
    assert each == []
    assert split_top_level({"config": {"cfg": Path("d/c.json")}})[0] == [
        "--config",
        "cfg",
        str(Path("d/c.json")),
    ]


def test_bad_config_shapes_are_one_line_runner_errors():
    with pytest.raises(RunnerError, match=r"config= takes \{NAME: VALUE\}"):
        split_top_level({"config": "c.json"})
    with pytest.raises(RunnerError, match="config_value= takes"):
        split_top_level({"config_value": [("a", 1, 2)]})
    with pytest.raises(RunnerError, match="must be a path"):
        split_top_level({"config": {"cfg": 3}})
    with pytest.raises(RunnerError, match="not JSON-able"):
        split_top_level({"config_value": {"cfg": {"k": object()}}})
    with pytest.raises(RunnerError, match="top-level option: give it to the Runner"):
        option_args({"config_value": {"cfg": {}}})


def test_decospecs_become_with_on_every_command():
    assert split_top_level({"decospecs": ["retry:times=2", "catch"]}) == (
        [],
        ["--with", "retry:times=2", "--with", "catch"],
    )
    assert option_args({"with_": "retry"}) == ["--with", "retry"]
    assert option_args({"decospecs": ["a", "b"]}) == ["--with", "a", "--with", "b"]
    assert resume_args({"origin_run_id": 2, "decospecs": ["retry"]}) == ["2", "--with", "retry"]
    with pytest.raises(RunnerError, match="decospecs= takes a decorator spec"):
        option_args({"decospecs": [1]})


def test_a_list_for_a_separated_parameter_is_joined():
    separators = {"letters": ",", "nums": ";"}
    args = option_args({"letters": ["a", "b"], "nums": (1, 2.5), "other": ["x"]}, separators)
    assert args == ["--letters", "a,b", "--nums", "1;2.5", "--other", '["x"]']
    assert option_args({"letters": "a,b"}, separators) == ["--letters", "a,b"]
    assert option_args({"letters": []}, separators) == ["--letters", ""]
    with pytest.raises(RunnerError, match="contains the parameter's separator"):
        option_args({"letters": ["a,b"]}, separators)
    with pytest.raises(RunnerError, match="must be str, int or float"):
        option_args({"letters": [True]}, separators)


def test_the_familys_run_limits_and_top_level_kinds_become_their_options():
    args = option_args({"max_num_splits": 500, "max_log_size": 2, "namespace": ""})
    assert args == ["--max-num-splits", "500", "--max-log-size", "2", "--namespace", ""]
    top, each = split_top_level({"metadata": "local", "datastore_root": "s3://b/p"})
    assert top == ["--metadata", "local", "--datastore-root", "s3://b/p"] and each == []
