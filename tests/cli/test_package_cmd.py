"""`python flow.py package info|list|save` (cli/package_cmd.py), run as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(HELLO, tmp_path / "hello.py")
    (tmp_path / "helper.py").write_text("X = 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("Y = 2\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "skipped.py").write_text("Z = 3\n")
    (tmp_path / "notes.txt").write_text("not python\n")
    return tmp_path


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "hello.py", "package", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_list_shows_the_files_a_run_would_package(project: Path) -> None:
    result = _run(project, "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["hello.py", "helper.py", "lib/util.py"]


def test_save_writes_the_archive_a_run_records(project: Path) -> None:
    result = _run(project, "save", "pkg.tar.gz")
    assert result.returncode == 0, result.stderr
    assert "Saved the code package of HelloFlow (3 files" in result.stdout
    with tarfile.open(project / "pkg.tar.gz") as tar:
        names = tar.getnames()
    assert names == ["hello.py", "helper.py", "lib/util.py", ".flowscope_code.json"]


def test_info_sums_it_up(project: Path) -> None:
    result = _run(project, "info")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Code package of HelloFlow: hello.py and 2 more Python files")
    assert "3 files" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("save", "."), "that is a directory; give a file path"),
        (("save", "missing/dir/pkg.tgz"), "cannot write it (No such file or directory)"),
    ],
)
def test_a_bad_target_is_refused_without_a_traceback(
    project: Path, args: tuple[str, ...], message: str
) -> None:
    result = _run(project, *args)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_flow_without_its_file_has_no_package(project: Path) -> None:
    import argparse

    from flowscope.cli.package_cmd import package_command
    from flowscope.errors import ParameterError

    with pytest.raises(ParameterError, match="package needs the flow's file"):
        package_command(type("F", (), {}), argparse.Namespace(package_command="list"), "<cell>")
