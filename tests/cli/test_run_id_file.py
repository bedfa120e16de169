"""--run-id-file (cli/run_id_file.py): checked before the run, written when it starts."""

from __future__ import annotations

import io

import pytest

from flowscope.cli.run_id_file import RunIdConsole, check_writable
from flowscope.errors import RunError


def test_the_run_id_is_written_when_the_run_starts(tmp_path):
    target = check_writable(str(tmp_path / "id"))
    out = io.StringIO()
    RunIdConsole(target, out=out).run_started("F/12", "me")
    assert target.read_text() == "12" and "Run F/12 started by me" in out.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["id"]


def test_a_missing_directory_or_a_directory_is_refused(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        check_writable(str(tmp_path / "no" / "id"))
    with pytest.raises(RunError, match="is a directory"):
        check_writable(str(tmp_path))
