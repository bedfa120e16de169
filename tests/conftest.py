"""Shared across the whole suite: one throwaway PostgreSQL and one set of real service
processes per session (tests/pg.py), one radosgw S3 server when a test asks for
it (tests/s3.py), whichever directory's tests ask for them, the HTTP test
servers (tests/http_servers.py), and a clean environment for every test.

Every test starts with no FLOWSCOPE_* or METAFLOW_* variable from the shell (or from an earlier
test), FLOWSCOPE_USER=tester, a blob cache of its own (FLOWSCOPE_BLOB_CACHE: a copy cached by
an earlier test would hide what this one does to a remote blob), and a fresh client context (settings, namespace, provider), which
is reset again after it. Subprocesses a test starts inherit that environment. FLOWSCOPE_TEST_*
variables configure the test harness itself (tests/pg.py) and are kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest_plugins = ["pg", "http_servers", "s3", "dask_clusters"]

TEST_USER = "tester"
_SETTINGS_PREFIXES = ("FLOWSCOPE_", "METAFLOW_")
_HARNESS_PREFIX = "FLOWSCOPE_TEST_"


def _clean(mp: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_SETTINGS_PREFIXES) and not name.startswith(_HARNESS_PREFIX):
            mp.delenv(name)
    mp.setenv("FLOWSCOPE_USER", TEST_USER)


@pytest.fixture(scope="session", autouse=True)
def _clean_session_environment() -> Iterator[None]:
    """The same environment for session- and module-scoped fixtures (the PostgreSQL server,
    service processes, shared projects), which start before any test's own fixtures."""
    with pytest.MonkeyPatch.context() as mp:
        _clean(mp)
        yield


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """A clean environment and client context for one test (see the module docstring)."""
    from flowscope.client.context import CONTEXT

    _clean(monkeypatch)
    monkeypatch.setenv("FLOWSCOPE_BLOB_CACHE", str(tmp_path_factory.mktemp("blob-cache")))
    CONTEXT.reset()
    yield
    CONTEXT.reset()
