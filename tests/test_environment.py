"""The suite's clean environment (tests/conftest.py): what a test and its subprocesses see."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import TEST_USER, _clean
from flowscope.client import get_namespace, namespace


def _settings_seen() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(("FLOWSCOPE_", "METAFLOW_"))}


def test_a_test_sees_only_the_fixed_user() -> None:
    seen = {k: v for k, v in _settings_seen().items() if not k.startswith("FLOWSCOPE_TEST_")}
    assert seen == {"FLOWSCOPE_USER": TEST_USER}


def test_subprocesses_inherit_the_clean_environment() -> None:
    code = "import os; print(sorted(k for k in os.environ if k.startswith('FLOWSCOPE_')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "FLOWSCOPE_USER" in out.stdout and "FLOWSCOPE_SERVICE_URL" not in out.stdout


def test_cleaning_removes_settings_and_keeps_the_harness_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWSCOPE_SERVICE_URL", "http://leaked.invalid")
    monkeypatch.setenv("METAFLOW_USER", "leaked")
    monkeypatch.setenv("FLOWSCOPE_USER", "someone")
    monkeypatch.setenv("FLOWSCOPE_TEST_PG_BIN", "/opt/pg/bin")
    with pytest.MonkeyPatch.context() as mp:
        _clean(mp)
        assert "FLOWSCOPE_SERVICE_URL" not in os.environ and "METAFLOW_USER" not in os.environ
        assert os.environ["FLOWSCOPE_USER"] == TEST_USER
        assert os.environ["FLOWSCOPE_TEST_PG_BIN"] == "/opt/pg/bin"
    assert os.environ["FLOWSCOPE_SERVICE_URL"] == "http://leaked.invalid"  # undone after


@pytest.mark.parametrize("turn", [1, 2])
def test_the_client_context_starts_fresh_in_every_test(turn: int) -> None:
    # whichever turn runs second would see the first one's namespace if the context leaked
    assert get_namespace() == f"user:{TEST_USER}"
    namespace(f"turn:{turn}")
