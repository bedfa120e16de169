"""The one place errors become exit codes (cli/errors.py)."""

from __future__ import annotations

import pytest

from flowscope.cli.errors import EXIT_INTERRUPTED, guarded
from flowscope.errors import FlowscopeError, InvalidPathspec, ObjectNotFound


def _raise(error: BaseException) -> int:
    raise error


def test_success_passes_the_code_through() -> None:
    assert guarded(lambda: 0) == 0 and guarded(lambda: 3) == 3


@pytest.mark.parametrize(
    "error,code",
    [(FlowscopeError("plain"), 1), (InvalidPathspec("bad path"), 2), (ObjectNotFound("gone"), 1)],
)
def test_flowscope_errors_are_one_line_and_their_exit_code(
    error: FlowscopeError, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guarded(lambda: _raise(error)) == code
    captured = capsys.readouterr()
    assert captured.err == f"error: {error}\n" and captured.out == ""
    assert "Traceback" not in captured.err


def test_ctrl_c_is_130(capsys: pytest.CaptureFixture[str]) -> None:
    assert guarded(lambda: _raise(KeyboardInterrupt())) == EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_a_closed_pipe_is_a_quiet_success(capsys: pytest.CaptureFixture[str]) -> None:
    assert guarded(lambda: _raise(BrokenPipeError())) == 0
    assert capsys.readouterr().err == ""


def test_bugs_keep_their_traceback() -> None:
    with pytest.raises(ZeroDivisionError):
        guarded(lambda: 1 // 0)
