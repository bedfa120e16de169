"""What a type checker sees of the client: indexing and iterating are typed (client/base.py).

mypy (strict) checks a checked-in snippet of `typing.assert_type(...)` calls against the
client's source, and must pass; the same snippet with one wrong expectation must fail, so the
check is not vacuous.
"""

from __future__ import annotations

from pathlib import Path

import mypy.api
import pytest

import flowscope

SNIPPET = Path(__file__).parent / "typing_snippets" / "client_types.py"


@pytest.fixture
def mypy_run(tmp_path, monkeypatch):
    """Run `mypy --strict` on a file, reading flowscope from the source under test."""
    monkeypatch.setenv("MYPYPATH", str(Path(flowscope.__file__).parents[1]))

    def run(path: Path) -> tuple[int, str]:
        out, err, status = mypy.api.run(
            ["--strict", "--cache-dir", str(tmp_path / "mypy-cache"), str(path)]
        )
        return status, out + err

    return run


def test_the_snippet_type_checks(mypy_run):
    status, report = mypy_run(SNIPPET)
    assert status == 0, report
    assert "Success" in report


@pytest.mark.parametrize(
    "wrong",
    [
        'assert_type(Flow("X")["3"], Step)',
        'assert_type(Run("X/3")["start"], Any)',  # Any where the container knows its child
        "assert_type(Metaflow().flows, list[Run])",
        'assert_type(Task("X/3/start/1").parent, Run)',
    ],
)
def test_a_wrong_expectation_fails(mypy_run, tmp_path, wrong):
    source = SNIPPET.read_text().replace(
        "from typing import assert_type", "from typing import Any, assert_type"
    )
    broken = tmp_path / "client_types_broken.py"
    broken.write_text(source + f"\n\ndef wrong() -> None:\n    {wrong}\n")
    status, report = mypy_run(broken)
    assert status == 1, report
    assert "[assert-type]" in report and report.count("error:") == 1, report
