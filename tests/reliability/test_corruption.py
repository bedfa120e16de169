"""A blob altered on disk is detected by its content hash when read: by the client, by the
`dump` commands and by a running step. The error names the artifact and the task and says
what to do, and doing it repairs the store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from flowscope.errors import BlobCorrupted, FlowscopeError

from .helpers import Project
from .test_kill import make_gate


def blob_path(project: Project, sha: str) -> Path:
    return project.store / "blobs" / sha[:2] / sha


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def swap_with_another_blob(path: Path) -> None:
    """A well-formed blob, but of different content: only the hash check can tell."""
    other = next(
        p
        for p in path.parent.parent.rglob("*")
        if p.is_file() and p != path and not p.name.startswith(".")
    )
    path.write_bytes(other.read_bytes())


DAMAGE: dict[str, Callable[[Path], None]] = {
    "flipped-byte": flip_last_byte,
    "truncated": truncate,
    "emptied": empty,
    "swapped": swap_with_another_blob,
}


@pytest.fixture
def blob_files_only(project: Project) -> Project:
    """These scenarios damage blob files, so the runs keep no inline copies of small blobs in
    the metadata (a copy is checked the same way: test_a_swapped_inline_copy_is_detected)."""
    project.env["FLOWSCOPE_INLINE_BLOB_MAX"] = "0"
    return project


@pytest.fixture
def finished(blob_files_only: Project) -> Project:
    project = blob_files_only
    result = project.run("wide", "run", "--n", "3")
    assert result.code == 0, result.output
    return project


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_client_detects_an_altered_artifact_and_names_it(finished: Project, damage: str) -> None:
    fs = finished.client()
    task = min(fs.Run("WideFlow/1")["body"], key=lambda t: t.index)
    sha = task["label"].sha
    DAMAGE[damage](blob_path(finished, sha))

    for read in (
        lambda: task.data.label,
        lambda: task["label"].data,
        lambda: fs.DataArtifact(f"{task.pathspec}/label").data,
    ):
        with pytest.raises(BlobCorrupted) as err:
            read()
        message = str(err.value)
        assert isinstance(err.value, FlowscopeError)
        assert "'label'" in message or "/label" in message, message  # the artifact
        assert task.pathspec in message, message  # the task
        assert sha in message, message  # the blob
        assert "delete" in message.lower(), message  # what to do
    # the task's other artifacts are intact and still read
    assert task.data.value == 0 and task.data.blob == bytes([0]) * 2048


def test_dump_commands_report_corruption_in_one_line(finished: Project) -> None:
    fs = finished.client()
    task = min(fs.Run("WideFlow/1")["body"], key=lambda t: t.index)
    flip_last_byte(blob_path(finished, task["label"].sha))
    body_task = task.pathspec.split("/", 1)[1]
    for argv in (
        finished.command("wide", "dump", body_task, "--values"),
        [sys.executable, "-m", "flowscope.cli.main", "dump", task.pathspec, "--values"],
    ):
        result = finished.call(argv, timeout=60)
        assert result.code != 0
        assert "Traceback" not in result.output, result.output
        assert "corrupted" in result.stderr and "label" in result.stderr, result.stderr
        assert task.pathspec in result.stderr, result.stderr


def test_altered_log_and_environment_blobs_are_detected(finished: Project) -> None:
    fs = finished.client()
    task = fs.Run("WideFlow/1")["end"].task
    record = task._current()  # the task's record holds the keys of its log and environment
    assert record.stdout_key and record.env_key
    flip_last_byte(blob_path(finished, record.stdout_key))
    flip_last_byte(blob_path(finished, record.env_key))
    with pytest.raises(BlobCorrupted, match=r"stdout of Task\('WideFlow/1/end/"):
        fs.Task(task.pathspec).stdout  # noqa: B018
    with pytest.raises(BlobCorrupted, match=r"environment of Task\('WideFlow/1/end/"):
        fs.Task(task.pathspec).environment_info  # noqa: B018


def test_following_the_advice_repairs_the_store(finished: Project) -> None:
    """The message says: delete the damaged file, then run the flow again. A second run that
    stores the same value must then write it again (and not trust the damaged file), after
    which the value reads back in both runs."""
    fs = finished.client()
    task = min(fs.Run("WideFlow/1")["body"], key=lambda t: t.index)
    path = blob_path(finished, task["blob"].sha)
    flip_last_byte(path)
    with pytest.raises(BlobCorrupted) as err:
        task.data.blob  # noqa: B018
    assert str(path) in str(err.value), "the message names the file to delete"
    assert "Delete that file" in str(err.value) and "running the flow again" in str(err.value)

    path.unlink()
    result = finished.run("wide", "run", "--n", "3")
    assert result.code == 0, result.output
    again = min(fs.Run("WideFlow/2")["body"], key=lambda t: t.index)
    assert again["blob"].sha == task["blob"].sha
    assert again.data.blob == bytes([0]) * 2048
    assert fs.Task(task.pathspec).data.blob == bytes([0]) * 2048  # the first run is repaired too


def test_a_swapped_inline_copy_is_detected(project: Project) -> None:
    """With inline copies on (the default), a copy in the metadata that is not the blob of its
    key (here another artifact's copy) is refused like a damaged blob file."""
    import sqlite3

    assert project.run("wide", "run", "--n", "3").code == 0
    fs = project.client()
    task = min(fs.Run("WideFlow/1")["body"], key=lambda t: t.index)
    sha = task["label"].sha
    db = sqlite3.connect(project.store / "metadata.db")
    with db:
        other = db.execute(
            "SELECT inline_blob FROM artifacts WHERE sha != ? AND inline_blob IS NOT NULL", (sha,)
        ).fetchone()[0]
        changed = db.execute(
            "UPDATE artifacts SET inline_blob = ? WHERE sha = ? AND inline_blob IS NOT NULL",
            (other, sha),
        ).rowcount
    db.close()
    assert changed >= 1
    fresh = project.client()
    with pytest.raises(BlobCorrupted) as err:
        _ = min(fresh.Run("WideFlow/1")["body"], key=lambda t: t.index).data.label
    assert "'label'" in str(err.value) and sha in str(err.value)


def test_a_step_reading_an_altered_input_fails_naming_it(blob_files_only: Project) -> None:
    project = blob_files_only
    gate = make_gate(project, "bomb")
    result = project.run("gated", "run", "--n", "2", "--gate", str(gate))
    assert result.code == 1, result.output
    fs = project.client()
    start = fs.Run("GatedFlow/1")["start"].task
    flip_last_byte(blob_path(project, start["items"].sha))
    (gate / "bomb").unlink()

    result = project.run("gated", "resume", "1")
    assert result.code == 1, result.output
    assert "Traceback (most recent call last)" not in result.stderr.split("error:")[-1]
    run = fs.Run("GatedFlow/2")
    assert not run.successful
    failures = [t for t in run["body"] if not t.successful]
    assert failures, "a step that reads a damaged input must fail"
    for task in failures:
        assert task.exception.type.endswith("BlobCorrupted")
        # the input artifact and the (cloned) task it comes from
        assert "'items'" in task.exception.message, task.exception.message
        assert "GatedFlow/2/start/" in task.exception.message, task.exception.message
        assert "Delete that file" in task.exception.message


def test_a_new_run_never_trusts_a_damaged_blob_silently(finished: Project) -> None:
    """Not deleting the damaged file: a new run storing the same value finds the key present
    and does not rewrite it (content addressing trusts existence on write), but the damage is
    still caught on every read, never returned as data."""
    fs = finished.client()
    task = min(fs.Run("WideFlow/1")["body"], key=lambda t: t.index)
    flip_last_byte(blob_path(finished, task["blob"].sha))
    result = finished.run("wide", "run", "--n", "3")
    assert result.code == 0, result.output
    again = min(fs.Run("WideFlow/2")["body"], key=lambda t: t.index)
    with pytest.raises(BlobCorrupted, match="Delete that file"):
        again.data.blob  # noqa: B018
