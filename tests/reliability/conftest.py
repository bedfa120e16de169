"""Fixtures for the reliability scenarios (see helpers.py for what they run and check)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import Project, make_project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = make_project(tmp_path / "project")
    try:
        yield p
    finally:
        p.cleanup()
