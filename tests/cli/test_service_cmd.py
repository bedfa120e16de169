"""`flowscope service` and `flowscope service migrate` (cli/service_cmd.py), without serving."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flowscope.cli.service_cmd import is_loopback, main
from flowscope.metastore.migrations import latest_version


def test_help_mentions_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--database" in out and "--token-file" in out and "migrate" in out
    with pytest.raises(SystemExit):
        main(["migrate", "--help"])


def test_migrate_sqlite_then_nothing_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "metadata.db"
    assert main(["migrate", "--database", str(db)]) == 0
    assert f"schema at version {latest_version()}" in capsys.readouterr().err
    assert main(["migrate", "--database", f"sqlite:///{db}"]) == 0
    assert "nothing to apply" in capsys.readouterr().err
    assert main(["migrate", "--database", str(tmp_path)]) == 0  # a store directory works too


def test_migrate_postgres(pg_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--database", pg_database]) == 0
    assert "applied 1" in capsys.readouterr().err


def test_a_newer_schema_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "metadata.db"
    assert main(["migrate", "--database", str(db)]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    capsys.readouterr()
    assert main(["migrate", "--database", str(db)]) == 1
    err = capsys.readouterr().err
    assert "schema version 999" in err and "Upgrade flowscope" in err
    assert err.startswith("flowscope service: error: ") and "Traceback" not in err
    blobs = str(tmp_path / "blobs")
    assert main(["--database", str(db), "--blob-root", blobs, "--port", "1"]) == 1


def test_no_token_refuses_non_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "--database",
                str(tmp_path / "m.db"),
                "--blob-root",
                str(tmp_path),
                "--host",
                "0.0.0.0",
            ]
        )
    assert info.value.code == 2
    assert "without a token" in capsys.readouterr().err
    assert not (tmp_path / "m.db").exists()  # refused before touching anything


def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.0.0.5", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "10.0.0.1", "::", "example.com", ""]))


def test_unusable_settings_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "token"
    empty.write_text("\n")
    db, blobs = str(tmp_path / "m.db"), str(tmp_path / "blobs")
    assert main(["--database", db, "--blob-root", blobs, "--token-file", str(empty)]) == 1
    assert "is empty" in capsys.readouterr().err
    missing = str(tmp_path / "nope")
    assert main(["--database", db, "--blob-root", blobs, "--token-file", missing]) == 1
    assert "Cannot read the token file" in capsys.readouterr().err
    assert main(["--database", db, "--blob-root", "s3://Bad_Bucket/x"]) == 1
    assert "not an S3 bucket name" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--database", db, "--blob-root", blobs, "--workers", "0"])


def test_runs_as_a_module(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowscope.cli.service_cmd",
            "migrate",
            "--database",
            str(tmp_path / "m.db"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
