"""A store that is damaged or cannot be written: a `metadata.db` that is not a SQLite file
(issue 10, item 5) is one clear error everywhere, naming the file; a store this process may
not write (issue 10, item 7) can still be read, and a write says why it is refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flowscope.errors import MetadataError

from .helpers import Project, Result


def one_line_error(result: Result, *needles: str) -> str:
    assert result.code == 1, result.output
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def damage(db: Path, how: str) -> None:
    if how == "garbage":
        db.write_bytes(b"this is not a database\n" * 100)
    else:  # a real database cut short: the header survives, the pages do not
        data = db.read_bytes()
        db.write_bytes(data[:100] + b"\xff" * (len(data) - 100))
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@pytest.mark.parametrize("how", ["garbage", "scrambled"])
def test_a_damaged_metadata_db_is_one_clear_error_everywhere(project: Project, how: str) -> None:
    if how == "scrambled":
        assert project.run("wide", "run", "--n", "2").code == 0
    else:
        project.store.mkdir()
    db = project.store / "metadata.db"
    damage(db, how)
    before = db.read_bytes()

    message = one_line_error(project.run("wide", "run", "--n", "2"), str(db), "damaged")
    assert "move it aside" in message.lower(), message
    one_line_error(
        project.call([sys.executable, "-m", "flowscope.cli.main", "flows"]), str(db), "damaged"
    )
    one_line_error(
        project.call([sys.executable, "-m", "flowscope.cli.main", "runs", "WideFlow"]), str(db)
    )
    with pytest.raises(MetadataError, match="damaged") as caught:
        fs = project.client()
        list(fs.Flow("WideFlow"))
    assert str(db) in str(caught.value)
    assert db.read_bytes() == before  # nothing was written over it


# ---- item 7: a store this process cannot write ---------------------------------------------

DROP_PRIVILEGES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]
"""Tests run as root, whom permission bits do not stop. Without its capabilities (no
CAP_DAC_OVERRIDE, no CAP_FOWNER) root is held to them like any user: a store owned by another
user, with the usual modes (directories 755, files 644), is then really not writable."""

READER = """
import sys
import flowscope as fs
from flowscope.errors import MetadataError

fs.metadata(sys.argv[1])
fs.namespace(None)
run = fs.Flow("WideFlow").latest_run
assert run.successful, run
print("total", run.data.total)
print("values", sorted(t.data.value for t in run["body"]))
print("stdout", run["end"].task.stdout.strip())
try:
    run.add_tag("mine")
except MetadataError as exc:
    print("refused", exc)
else:
    print("tagged")
"""


def read_only_checks(project: Project, wrap: list[str]) -> None:
    """Reads work through the client and `flowscope`; a write says why it is refused; a run
    there is one clear error; nothing in the store changed."""
    db = project.store / "metadata.db"
    before = {p.name: p.read_bytes() for p in project.store.iterdir() if p.is_file()}
    (project.root / "reader.py").write_text(READER)
    result = project.call(
        [*wrap, sys.executable, str(project.root / "reader.py"), str(project.root)]
    )
    assert result.code == 0 and "Traceback" not in result.output, result.output
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["total"] == "3" and lines["values"] == "[0, 3]", result.output
    assert lines["stdout"] == "total 3", result.output
    assert "read-only" in lines["refused"] and str(project.store) in lines["refused"], lines
    assert "not writable" in lines["refused"], lines  # why

    listed = project.call([*wrap, sys.executable, "-m", "flowscope.cli.main", "runs", "WideFlow"])
    assert listed.code == 0 and "Traceback" not in listed.output, listed.output
    one_line_error(project.call([*wrap, *project.command("wide", "run", "--n", "2")]), "read-only")
    one_line_error(
        project.call([*wrap, *project.command("wide", "tag", "add", "1", "x")]), "read-only"
    )
    after = {p.name: p.read_bytes() for p in project.store.iterdir() if p.is_file()}
    assert after == before and db.exists()


def seed(project: Project) -> None:
    result = project.run("wide", "run", "--n", "2")
    assert result.code == 0, result.output


@pytest.mark.parametrize("wal", [False, True], ids=["closed", "wal-left-behind"])
def test_another_users_store_can_be_read_not_written(project: Project, wal: bool) -> None:
    import os
    import sqlite3

    seed(project)
    holder = None
    if wal:  # a writer of the owner's still has the database open: -wal and -shm exist
        holder = sqlite3.connect(project.store / "metadata.db")
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("CREATE TABLE IF NOT EXISTS _t (x)")
        holder.execute("DROP TABLE _t")
        assert (project.store / "metadata.db-shm").exists()
    try:
        for path in [project.store, *project.store.rglob("*")]:
            os.chown(path, 65534, 65534)
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        read_only_checks(project, DROP_PRIVILEGES)
    finally:
        if holder is not None:
            holder.close()


def test_a_read_only_store_can_be_read_not_written(project: Project) -> None:
    """`chattr +i` stops root too: the store as on a read-only mount or in an archive."""
    import subprocess

    seed(project)
    subprocess.run(["chattr", "-R", "+i", str(project.store)], check=True)
    try:
        read_only_checks(project, [])
    finally:
        subprocess.run(["chattr", "-R", "-i", str(project.store)], check=True)
