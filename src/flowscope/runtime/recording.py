"""What a run records about its code and its environment, stored as blobs once per run."""

from __future__ import annotations

import io
import json
import os
import platform
import sys
import tarfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowscope.datastore import ContentStore, save_artifact
from flowscope.metastore.records import ArtifactRecord
from flowscope.metastore.scalars import scalar_text

CODE_INFO_NAME = ".flowscope_code.json"
_SKIP_DIRS = {
    ".flowscope",
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
}
_MAX_FILE = 1 << 20  # files larger than 1 MiB are left out of the code package
_MAX_FILES = 500


def package_files(root: Path) -> list[Path]:
    """The Python files a run's code package holds from `root`: every .py file below it, in
    name order, leaving out hidden and tool directories, files over 1 MiB, and past 500."""
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(directory) / name
                try:
                    if path.stat().st_size <= _MAX_FILE:
                        found.append(path)
                except OSError:
                    continue
            if len(found) >= _MAX_FILES:
                return found
    return found


def package_contents(script: Path) -> tuple[Path, list[Path]]:
    """The package's root (the flow file's directory) and its files, the flow file first
    when `package_files` would leave it out."""
    script = script.resolve()
    files = package_files(script.parent)
    if script not in files:
        files.insert(0, script)
    return script.parent, files


def code_package(script: Path, flow_name: str) -> bytes:
    """A gzip'd tar of the flow file and the Python files beside it (and below it)."""
    script = script.resolve()
    root, files = package_contents(script)
    info = {
        "script_name": script.name,
        "flow_name": flow_name,
        "created_at": time.time(),
        "files": [str(p.relative_to(root)) for p in files],
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path in files:
            tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
        blob = json.dumps(info, indent=1).encode()
        member = tarfile.TarInfo(CODE_INFO_NAME)
        member.size, member.mtime = len(blob), int(time.time())
        tar.addfile(member, io.BytesIO(blob))
    return buffer.getvalue()


def installed_packages(paths: list[str] | None = None) -> dict[str, str]:
    """Name -> version of every distribution on the import path, read from the names of the
    `*.dist-info` directories (the first on the path wins, as for imports). Reading names is
    a few directory listings; importlib.metadata would cost ~30 ms to import and parse."""
    found: dict[str, tuple[str, str]] = {}
    for entry in sys.path if paths is None else paths:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            project, _, version = name[: -len(".dist-info")].partition("-")
            key = project.lower().replace("-", "_").replace(".", "_")
            if project and version and key not in found:
                found[key] = (project, version)
    return dict(sorted(found.values(), key=lambda pair: pair[0].lower()))


def environment_info(runtime: str = "local") -> dict[str, Any]:
    """The execution environment: Python, platform, installed packages, runtime."""
    from flowscope import __version__

    uname = os.uname()
    return {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": f"{uname.sysname}-{uname.release}-{uname.machine}",
        "executable": sys.executable,
        "packages": installed_packages(),
        "runtime": runtime,
        "flowscope_version": __version__,
    }


def system_tags(user: str, runtime: str = "local") -> tuple[str, ...]:
    from flowscope import __version__

    return (
        f"user:{user}",
        f"runtime:{runtime}",
        f"python_version:{platform.python_version()}",
        f"flowscope_version:{__version__}",
    )


def parameter_artifacts(store: ContentStore, parameters: Mapping[str, Any]) -> list[ArtifactRecord]:
    """Save the run's parameters as artifacts of its parameters task, sorted by name."""
    now, records = time.time(), []
    for name, value in sorted(parameters.items()):
        info = save_artifact(store, value)
        records.append(
            ArtifactRecord(
                name,
                info.sha,
                info.size,
                info.type_name,
                info.serializer,
                now,
                scalar_text(value),
                info.inline,
            )
        )
    return records
