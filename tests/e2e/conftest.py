"""Run flows exactly as a user would (`python flow.py run` in a fresh directory) and hand the
test a client pointed at that directory's store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

FLOWS = Path(__file__).parent / "flows"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Workspace:
    root: Path
    env: dict[str, str]

    def run(self, flow: str, *args: str, timeout: float = 120) -> Result:
        script = self.root / f"{flow}.py"
        if not script.exists():
            shutil.copy(FLOWS / f"{flow}.py", script)
        proc = subprocess.run(
            [sys.executable, str(script), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def client(self):
        import flowscope

        flowscope.metadata(str(self.root))
        flowscope.namespace(None)
        return flowscope


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    env = dict(os.environ)
    env.pop("FLOWSCOPE_SERVICE_URL", None)
    env.update(FLOWSCOPE_USER="tester", FLOWSCOPE_HEARTBEAT_INTERVAL="1", PYTHONUNBUFFERED="1")
    yield Workspace(tmp_path, env)
    import flowscope

    flowscope.default_metadata()
    flowscope.default_namespace()
