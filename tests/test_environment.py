"""The suite's clean environment (tests/conftest.py): what a test and its subprocesses see."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowscope.client import get_namespace, namespace

TEST_USER = "tester"


def test_a_test_sees_only_the_fixed_user() -> None:
    seen = {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("FLOWSCOPE_", "METAFLOW_")) and not k.startswith("FLOWSCOPE_TEST_")
    }
    cache = seen.pop("FLOWSCOPE_BLOB_CACHE", None)  # each test's own blob cache (conftest.py)
    assert cache is not None and "blob-cache" in cache
    assert seen == {"FLOWSCOPE_USER": TEST_USER}


def test_harness_variables_reach_the_test() -> None:
    # EXPECTED_ENV_MARK (not a flowscope setting) is left alone: unset in an ordinary run
    assert os.environ.get("FLOWSCOPE_TEST_ENV_MARK") == os.environ.get("EXPECTED_ENV_MARK")


def test_subprocesses_inherit_the_clean_environment() -> None:
    code = "import os; print(sorted(k for k in os.environ if k.startswith('FLOWSCOPE_')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "FLOWSCOPE_USER" in out.stdout and "FLOWSCOPE_SERVICE_URL" not in out.stdout


def test_settings_in_the_shell_do_not_reach_the_tests(tmp_path: Path) -> None:
    """The tests above, run again from a shell that sets flowscope and Metaflow variables."""
    here = Path(__file__)
    shell = {
        **os.environ,
        "FLOWSCOPE_SERVICE_URL": "http://leaked.invalid",
        "FLOWSCOPE_USER": "someone-else",
        "METAFLOW_USER": "someone-else",
        "FLOWSCOPE_TEST_ENV_MARK": "kept",
        "EXPECTED_ENV_MARK": "kept",
    }
    names = [
        "test_a_test_sees_only_the_fixed_user",
        "test_harness_variables_reach_the_test",
        "test_subprocesses_inherit_the_clean_environment",
    ]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(here.parent),
        ]
        + [f"{here}::{name}" for name in names],
        capture_output=True,
        text=True,
        env=shell,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "3 passed" in done.stdout


@pytest.mark.parametrize("turn", [1, 2])
def test_the_client_context_starts_fresh_in_every_test(turn: int) -> None:
    # whichever turn runs second would see the first one's namespace if the context leaked
    assert get_namespace() == f"user:{TEST_USER}"
    namespace(f"turn:{turn}")
