"""Hostile input through every public entry point - the client's constructors, keys,
attempts, tags, namespaces and metadata(); the flow command's and the `flowscope` command's
pathspecs, tags and parameter values - gets a clear FlowscopeError (or the documented
KeyError), and touches no file or row: the store's files, its row counts and a canary file
outside it are compared before and after. Input that is strange but legal (a tag that reads
like SQL) is stored verbatim and changes nothing else."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import FlowscopeError, MetadataError, NamespaceMismatch, TagError

from .helpers import Project, make_project, row_counts, tree

RUN = "WideFlow/1"
TASK = "WideFlow/1/start/2"

HOSTILE_IDS = [
    "..",
    ".",
    "../..",
    "../etc/passwd",
    "a/b",
    "a\\b",
    "\x00",
    "a\x00b",
    "x" * 201,
    "9" * 19,
    "1 OR 1=1",
    "1; DROP TABLE runs; --",
    "' OR '1'='1",
    "",
    " ",
    "\n",
    "-1",
    "0",
    "01",
    "\uff11",
    "\udcff",
    "%2e%2e",
    "~root",
    "$HOME",
    "*",
    "?",
    "start\x00",
    "2e3",
    "0x1",
]
NON_STRINGS: list[Any] = [None, 1, 1.5, b"1", ("1",), ["1"], {"a": 1}, object()]
BAD_TAGS: list[Any] = [
    "",
    " ",
    "\t\n",
    "x" * 501,
    "\udcff",
    "a\udcffb",
    "\x00",
    "a\x00b",
    None,
    1,
    1.5,
    b"tag",
    ["tag"],
]
BAD_ATTEMPTS: list[Any] = [-1, 2**31, 2**63, 10**30, "0", 1.5, True, b"0"]
BAD_ADDRESSES: list[Any] = [
    "",
    "  ",
    "x" * 5000,
    "../../nowhere",
    "/",
    "\x00",
    "a\x00b",
    "service@",
    "service@ftp://x",
    "local@",
    "service@/tmp",
    5,
    None,
]


@dataclass
class Seeded:
    project: Project
    canary: Path

    def snapshot(self) -> tuple[dict[str, Any], dict[str, int], bytes]:
        root = self.project.root.parent
        files = {k: v for k, v in tree(root).items() if not k.startswith("project/logs")}
        return files, row_counts(self.project.store / "metadata.db"), self.canary.read_bytes()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    base = tmp_path_factory.mktemp("hostile")
    project = make_project(base / "project")
    result = project.run("wide", "run", "--n", "2", "--tag", "keep")
    assert result.code == 0, result.output
    canary = base / "outside" / "canary.txt"
    canary.parent.mkdir()
    canary.write_bytes(b"must not change\n")
    yield Seeded(project, canary)


@pytest.fixture
def fs(seeded: Seeded) -> Iterator[Any]:
    """The client on the seeded store; asserts the test changed no file and no row."""
    client = seeded.project.client()
    before = seeded.snapshot()
    yield client
    assert seeded.snapshot() == before, "hostile input changed the store or a file outside it"


def refused(call: Callable[[], object], *kinds: type[BaseException]) -> BaseException:
    """Run `call`; it must raise a FlowscopeError or KeyError (or one of `kinds`)."""
    with pytest.raises(BaseException) as err:
        call()
    allowed = kinds or (FlowscopeError, KeyError)
    assert isinstance(err.value, allowed), f"{type(err.value).__name__}: {err.value}"
    assert str(err.value), "an error without a message"
    return err.value


# ---- the client --------------------------------------------------------------------------


def _id_entry_points(fs: Any, bad: Any) -> list[Callable[[], object]]:
    flow, run, step, task = (
        fs.Flow("WideFlow"),
        fs.Run(RUN),
        fs.Step(f"{RUN}/start"),
        fs.Task(TASK),
    )
    text = bad if isinstance(bad, str) else None
    calls: list[Callable[[], object]] = [
        lambda: flow[bad],
        lambda: bad in flow,
        lambda: run[bad],
        lambda: bad in run,
        lambda: step[bad],
        lambda: bad in step,
        lambda: task[bad],
        lambda: bad in task,
        lambda: fs.Metaflow()[bad],
    ]
    if text is not None:
        calls += [
            lambda: fs.Flow(text),
            lambda: fs.Run(f"WideFlow/{text}"),
            lambda: fs.Run(text),
            lambda: fs.Step(f"{RUN}/{text}"),
            lambda: fs.Task(f"{RUN}/start/{text}"),
            lambda: fs.DataArtifact(f"{TASK}/{text}"),
            lambda: fs.Run(f"{RUN}/{text}"),
            lambda: fs.Task(f"{TASK}/{text}"),
            lambda: fs.DataArtifact(f"{text}/1/start/2/x"),
        ]
    else:
        calls += [
            lambda: fs.Flow(bad),
            lambda: fs.Run(bad),
            lambda: fs.Step(bad),
            lambda: fs.Task(bad),
            lambda: fs.DataArtifact(bad),
        ]
    return calls


@pytest.mark.parametrize("bad", HOSTILE_IDS + NON_STRINGS, ids=repr)
def test_hostile_ids_and_keys_are_refused(fs: Any, bad: Any) -> None:
    for call in _id_entry_points(fs, bad):
        try:
            result = call()
        except (FlowscopeError, KeyError) as exc:
            assert str(exc)
            continue
        # `in` answers False for an id that cannot exist - or refuses it; nothing else
        assert result is False, f"{bad!r} reached {result!r}"


@pytest.mark.parametrize("bad", BAD_ATTEMPTS, ids=repr)
def test_bad_attempts_are_refused(fs: Any, bad: Any) -> None:
    refused(lambda: fs.Task(TASK, attempt=bad), FlowscopeError)
    refused(lambda: fs.DataArtifact(f"{TASK}/items", attempt=bad), FlowscopeError)


def test_data_keys_raise_the_documented_key_error(fs: Any) -> None:
    data = fs.Task(TASK).data
    for bad in ["../x", "\x00", "x" * 10_000, "items; DROP TABLE artifacts"]:
        refused(lambda b=bad: data[b], KeyError)
    for bad in [5, None, b"items"]:
        refused(lambda b=bad: data[b], KeyError)


@pytest.mark.parametrize("bad", BAD_TAGS, ids=repr)
def test_bad_tags_are_refused_everywhere(fs: Any, bad: Any) -> None:
    run = fs.Run(RUN)
    tags = set(run.tags)
    for call in (
        lambda: run.add_tag(bad),
        lambda: run.add_tags([bad]),
        lambda: run.add_tags(["ok", bad]),
        lambda: run.remove_tag(bad),
        lambda: run.remove_tags([bad]),
        lambda: run.replace_tag("keep", bad),
        lambda: run.replace_tag(bad, "x"),
        lambda: run.replace_tags(["keep"], [bad]),
        lambda: list(fs.Flow("WideFlow").runs(bad)),
        lambda: list(run.steps(bad)),
        lambda: list(fs.Step(f"{RUN}/start").tasks(bad)),
    ):
        refused(call, TagError)
    if bad is not None:  # namespace(None) is the documented global namespace
        refused(lambda: fs.namespace(bad), TagError)
    assert set(fs.Run(RUN).tags) == tags, "a refused tag change changed the tags"
    assert fs.get_namespace() is None


@pytest.mark.parametrize("bad", [None, 5, "keep", b"keep", object()], ids=repr)
def test_tag_lists_that_are_not_lists_are_refused(fs: Any, bad: Any) -> None:
    run = fs.Run(RUN)
    for call in (
        lambda: run.add_tags(bad),
        lambda: run.remove_tags(bad),
        lambda: run.replace_tags(bad, ["x"]),
        lambda: run.replace_tags(["keep"], bad),
    ):
        refused(call, TagError)


def test_system_tags_cannot_be_removed_or_replaced(fs: Any) -> None:
    run = fs.Run(RUN)
    system = min(run.system_tags)
    refused(lambda: run.remove_tag(system), TagError)
    refused(lambda: run.replace_tag(system, "x"), TagError)
    assert system in fs.Run(RUN).system_tags


@pytest.mark.parametrize("bad", BAD_ADDRESSES, ids=lambda v: repr(v)[:30])
def test_bad_metadata_addresses_are_refused_and_change_nothing(fs: Any, bad: Any) -> None:
    before = fs.get_metadata()
    refused(lambda: fs.metadata(bad), MetadataError)
    assert fs.get_metadata() == before, "a refused metadata() switched the provider"
    assert fs.Run(RUN).successful


def test_sql_looking_tags_are_stored_verbatim_and_touch_nothing_else(seeded: Seeded) -> None:
    fs = seeded.project.client()
    before = row_counts(seeded.project.store / "metadata.db")
    tricky = [
        "'; DROP TABLE runs; --",
        "x' OR '1'='1",
        "%",
        "_",
        "\\",
        '"quoted"',
        "\u00e9t\u00e9",
        "tab\there",
        "emoji \U0001f600",
        "user:nobody' --",
    ]
    run = fs.Run(RUN)
    run.add_tags(tricky)
    try:
        assert set(tricky) <= set(fs.Run(RUN).user_tags)
        for tag in tricky:
            assert [r.pathspec for r in fs.Flow("WideFlow").runs(tag)] == [RUN]
        assert list(fs.Flow("WideFlow").runs("x' OR '1'='1", "no such tag")) == []
        fs.namespace("' OR 1=1 --")  # a namespace that reads like SQL matches no run
        refused(lambda: fs.Flow("WideFlow"), NamespaceMismatch)
        refused(lambda: fs.Run(RUN), NamespaceMismatch)
        fs.namespace(None)
        after = row_counts(seeded.project.store / "metadata.db")
        assert after == {**before, "run_tags": before["run_tags"] + len(tricky)}
    finally:
        fs.namespace(None)
        fs.Run(RUN).remove_tags(tricky)
    assert row_counts(seeded.project.store / "metadata.db") == before


# ---- the command line --------------------------------------------------------------------

FLOW_COMMANDS = [
    ["run", "--n", "abc"],
    ["run", "--n", "1.5"],
    ["run", "--n", ""],
    ["run", "--n", "[1]"],
    ["run", "--tag", ""],
    ["run", "--tag", "x" * 501],
    ["run", "--tag", "\udcff"],
    ["run", "--tag", "   "],
    ["run", "--max-workers", "0"],
    ["run", "--max-workers", "-3"],
    ["logs", "../../etc/passwd"],
    ["logs", "1/../start"],
    ["logs", "1/start/" + "9" * 30],
    ["dump", "1/start/2/../.."],
    ["dump", "1/start", "--attempt", "9" * 26],
    ["dump", "1/start", "--attempt", "-1"],
    ["logs", "1/start\\x"],
    ["tag", "add", "1", ""],
    ["tag", "add", "../1", "x"],
    ["tag", "add", "1", "\udcff"],
    ["tag", "remove", "1", "user:tester"],
    ["tag", "replace", "1", "keep"],
    ["resume", "../1"],
    ["resume", "1;DROP TABLE runs"],
    ["resume", "99999"],
    ["resume", "0"],
    ["resume", "9" * 40],
]

TOOL_COMMANDS = [
    ["runs", "../x"],
    ["runs", "WideFlow", "--tag", ""],
    ["logs", "WideFlow/1/../x"],
    ["dump", "WideFlow/1/start/2/x/y"],
    ["dump", "WideFlow/1/start/2;DROP"],
    ["tag", "add", "WideFlow/1", ""],
    ["tag", "add", "WideFlow/..", "x"],
    ["tag", "remove", "WideFlow/1", "runtime:local"],
    ["--namespace", "", "flows"],
    ["--namespace", "x" * 501, "flows"],
    ["--metadata", "x" * 5000, "flows"],
    ["--metadata", "/nonexistent/flowscope/store", "flows"],
    ["runs", "WideFlow", "--tag", "\udcff"],
]


def _check_cli_refusal(result: Any, argv: list[str]) -> None:
    assert result.code != 0, (argv, result.output)
    assert "Traceback" not in result.output, (argv, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, (argv, result.output)
    # our one-line errors, or argparse's usage + error for a malformed option
    assert lines[-1].startswith("error: ") or ": error: " in lines[-1], (argv, result.output)


@pytest.mark.slow
def test_the_flow_command_refuses_hostile_input(seeded: Seeded) -> None:
    before = seeded.snapshot()
    for args in FLOW_COMMANDS:
        argv = seeded.project.command("wide", *args)
        _check_cli_refusal(seeded.project.call(argv, timeout=60), argv)
    assert seeded.snapshot() == before


@pytest.mark.slow
def test_the_flowscope_command_refuses_hostile_input(seeded: Seeded) -> None:
    before = seeded.snapshot()
    for args in TOOL_COMMANDS:
        argv = [sys.executable, "-m", "flowscope.cli.main", *args]
        _check_cli_refusal(seeded.project.call(argv, timeout=60), argv)
    assert seeded.snapshot() == before
