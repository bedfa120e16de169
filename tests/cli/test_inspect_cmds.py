"""logs, dump and tag (cli/inspect_cmds.py), called as functions over a recorded run."""

from __future__ import annotations

import io

import pytest

from flowscope.cli.inspect_cmds import dump, show_logs, tag_command
from flowscope.errors import InvalidPathspec, ObjectNotFound, TagError

from .conftest import Workspace


def _out(call: object, *args: object, **kwargs: object) -> str:
    buffer = io.StringIO()
    assert call(*args, out=buffer, **kwargs) == 0  # type: ignore[operator]
    return buffer.getvalue()


def test_logs_of_one_task(workspace: Workspace) -> None:
    assert _out(show_logs, f"{workspace.run}/start/1") == "hello from 1\n"
    assert _out(show_logs, f"{workspace.run}/start/1", "stderr") == "warning 1\n"


def test_logs_of_a_step_list_its_tasks_in_order(workspace: Workspace) -> None:
    assert _out(show_logs, f"{workspace.run}/body") == (
        f"--- {workspace.run}/body/2\nhello from 2\n--- {workspace.run}/body/3\nhello from 3\n"
    )


def test_logs_with_timestamps(workspace: Workspace) -> None:
    line = _out(show_logs, f"{workspace.run}/start/1", timestamps=True)
    assert line == "2023-11-14T22:13:21.000+00:00 hello from 1\n"  # T0 + 1 s, in UTC


def test_a_missing_attempt_is_not_found(workspace: Workspace) -> None:
    with pytest.raises(ObjectNotFound):
        show_logs(f"{workspace.run}/start/1", attempt=3, out=io.StringIO())


@pytest.mark.parametrize("pathspec", ["HelloFlow", "HelloFlow/1", "HelloFlow/1/start/1/alpha"])
def test_only_steps_and_tasks_are_accepted(workspace: Workspace, pathspec: str) -> None:
    with pytest.raises(InvalidPathspec, match="does not name a step or a task"):
        show_logs(pathspec, out=io.StringIO())
    with pytest.raises(InvalidPathspec):
        dump(pathspec, out=io.StringIO())


def test_dump_lists_artifacts_sorted_with_sizes(workspace: Workspace) -> None:
    lines = _out(dump, f"{workspace.run}/start/1").splitlines()
    assert lines[0] == f"{workspace.run}/start/1 (succeeded)"
    assert [line.split()[0] for line in lines[1:]] == ["alpha", "long"]
    assert all(" B  " in line for line in lines[1:])


def test_dump_values_are_shortened(workspace: Workspace) -> None:
    text = _out(dump, f"{workspace.run}/start/1", values=True)
    assert "  1\n" in text
    long_line = next(line for line in text.splitlines() if line.lstrip().startswith("long"))
    assert long_line.endswith("...") and "x" * 100 not in long_line


def test_dump_of_a_step_covers_every_task(workspace: Workspace) -> None:
    text = _out(dump, f"{workspace.run}/body", values=True)
    assert text.count("(succeeded)") == 2 and "  2\n" in text and "  3\n" in text


def test_tags_are_changed_then_listed(workspace: Workspace) -> None:
    assert "user tags:   mine\n" in _out(tag_command, "list", workspace.run, [])
    assert "user tags:   a, b, mine\n" in _out(tag_command, "add", workspace.run, ["a", "b"])
    assert "user tags:   b, mine\n" in _out(tag_command, "remove", workspace.run, ["a"])
    text = _out(tag_command, "replace", workspace.run, ["b", "c"])
    assert "user tags:   c, mine\n" in text and "system tags: user:alice" in text


def test_tag_replace_takes_two_tags_and_system_tags_stay(workspace: Workspace) -> None:
    with pytest.raises(InvalidPathspec, match="exactly two tags"):
        tag_command("replace", workspace.run, ["only-one"], out=io.StringIO())
    with pytest.raises(TagError):
        tag_command("remove", workspace.run, ["user:alice"], out=io.StringIO())
