"""The family's option spellings, resolved into flowscope's (cli/family_options.py). The same
options run end to end in tests/e2e/test_family_cli.py."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from flowscope.cli import family_options
from flowscope.errors import ParameterError


def _args(command: str = "run", **given: object) -> argparse.Namespace:
    values: dict[str, object] = dict(
        command=command,
        metadata=None,
        datastore=None,
        datastore_root=None,
        environment="local",
        top_with=[],
        with_decorators=[],
        max_workers=None,
        max_num_splits=None,
        max_log_size=None,
    )
    values.update(given)
    return argparse.Namespace(**values)


def test_local_kinds_mean_the_default_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    args = _args(metadata="local", datastore="local")
    family_options.resolve(args, {})
    assert args.metadata is None and args.datastore is None  # the defaults, as with no option


def test_metadata_local_wins_over_a_configured_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = _args(metadata="local")
    family_options.resolve(args, {"FLOWSCOPE_SERVICE_URL": "http://example.invalid:1"})
    assert args.metadata == str(tmp_path / ".flowscope")


def test_metadata_service_takes_the_configured_address() -> None:
    args = _args(metadata="service")
    family_options.resolve(args, {"FLOWSCOPE_SERVICE_URL": "http://meta:8080"})
    assert args.metadata == "http://meta:8080"


def test_datastore_s3_takes_its_root_from_the_option_then_the_environment() -> None:
    args = _args(datastore="s3", datastore_root="s3://bucket/a")
    family_options.resolve(args, {"METAFLOW_DATASTORE_SYSROOT_S3": "s3://other/b"})
    assert args.datastore == "s3://bucket/a"
    args = _args(datastore="s3")
    family_options.resolve(args, {"METAFLOW_DATASTORE_SYSROOT_S3": "s3://other/b"})
    assert args.datastore == "s3://other/b"
    args = _args(datastore="s3")
    env = {"FLOWSCOPE_DATASTORE": "s3://mine/c", "METAFLOW_DATASTORE_SYSROOT_S3": "s3://o/b"}
    family_options.resolve(args, env)
    assert args.datastore == "s3://mine/c"


def test_a_root_alone_is_the_address_and_two_addresses_are_refused() -> None:
    args = _args(datastore_root="/data/blobs")
    family_options.resolve(args, {})
    assert args.datastore == "/data/blobs"
    with pytest.raises(ParameterError, match="give one address"):
        family_options.resolve(_args(datastore="/a", datastore_root="/b"), {})


def test_other_addresses_pass_through_unchanged() -> None:
    args = _args(metadata="./local", datastore="s3://b/p")
    family_options.resolve(args, {})
    assert args.metadata == "./local" and args.datastore == "s3://b/p"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"environment": "uv"}, "builds no uv environments"),
        ({"datastore": "azure"}, "azure is not one of them"),
        ({"datastore": "s3"}, "--datastore-root s3://BUCKET/PREFIX"),
        ({"metadata": "service"}, "FLOWSCOPE_SERVICE_URL"),
        ({"max_num_splits": 0}, "--max-num-splits must be at least 1, got 0"),
        ({"max_log_size": -1.0}, "--max-log-size must be more than 0 MB, got -1"),
    ],
)
def test_what_flowscope_cannot_do_is_refused_with_what_to_do(
    given: dict[str, object], message: str
) -> None:
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace("[", r"\[")):
        family_options.resolve(_args(**given), {})


def test_top_level_with_joins_the_commands_own() -> None:
    args = _args(top_with=["card"], with_decorators=["retry"])
    family_options.resolve(args, {})
    assert args.with_decorators == ["retry", "card"]


def test_numbers_come_from_the_command_line_then_ours_then_the_familys_then_defaults() -> None:
    args = _args()
    family_options.resolve(args, {})
    assert (args.max_workers, args.max_num_splits, args.max_log_size) == (16, None, 10.0)
    env = {"METAFLOW_RUN_MAX_WORKERS": "3", "METAFLOW_RUN_MAX_LOG_SIZE": "2.5"}
    args = _args()
    family_options.resolve(args, env)
    assert (args.max_workers, args.max_log_size) == (3, 2.5)
    args = _args(max_workers=7)
    family_options.resolve(args, {**env, "FLOWSCOPE_RUN_MAX_WORKERS": "5"})
    assert args.max_workers == 7
    args = _args()
    family_options.resolve(args, {**env, "FLOWSCOPE_RUN_MAX_WORKERS": "5"})
    assert args.max_workers == 5
    assert family_options.log_limit_bytes(args) == int(2.5 * 1024 * 1024)


def test_a_number_that_is_not_one_is_named() -> None:
    with pytest.raises(ParameterError, match="METAFLOW_RUN_MAX_NUM_SPLITS='many' is not a number"):
        family_options.resolve(_args(), {"METAFLOW_RUN_MAX_NUM_SPLITS": "many"})


def test_inspection_commands_need_no_run_options() -> None:
    args = argparse.Namespace(
        command="logs", metadata="local", datastore=None, datastore_root=None, environment="local"
    )
    family_options.resolve(args, {})
    assert args.metadata is None
