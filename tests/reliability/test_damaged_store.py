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
