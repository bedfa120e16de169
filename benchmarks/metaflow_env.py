"""Create (once) the private virtualenv that holds Metaflow for the side-by-side benchmarks.

    python benchmarks/metaflow_env.py            # create/refresh, print the interpreter path

Metaflow is never a flowscope dependency: it lives in `benchmarks/.venv-metaflow` (gitignored),
with numpy and pandas so both sides save and load the same values. A stamp file records what
was installed, so later invocations cost one stat. numpy and pandas are pinned to the versions
flowscope's interpreter has (`pins_of_this_env`), so both sides (de)serialize with the same code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

METAFLOW_VERSION = "2.19.39"
REQUIREMENTS = (f"metaflow=={METAFLOW_VERSION}",)
DATA_PACKAGES = ("numpy", "pandas")
VENV_DIR = Path(__file__).resolve().parent / ".venv-metaflow"


def python_path(venv_dir: Path = VENV_DIR) -> Path:
    return venv_dir / "bin" / "python"


def pins_of_this_env() -> tuple[str, ...]:
    """`numpy==X`, `pandas==Y` as this interpreter has them (unpinned names where it has none)."""
    from importlib import metadata

    pins = []
    for name in DATA_PACKAGES:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(name)
    return tuple(pins)


def ensure(
    venv_dir: Path = VENV_DIR, *, pins: tuple[str, ...] = DATA_PACKAGES, quiet: bool = True
) -> Path:
    """Return the venv's interpreter, creating the venv and installing Metaflow when needed."""
    python = python_path(venv_dir)
    stamp = venv_dir / ".installed"
    requirements = (*REQUIREMENTS, *pins)
    wanted = "\n".join(requirements)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    quiet_flag = ["-q"] if quiet else []
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [str(python), "-m", "pip", "install", *quiet_flag, *requirements], check=True, env=env
    )
    stamp.write_text(wanted)
    return python


def version(python: Path) -> str:
    """The Metaflow version the venv's interpreter imports (a sanity check of the install)."""
    out = subprocess.run(
        [str(python), "-c", "import metaflow; print(metaflow.__version__)"],
        check=True,
        capture_output=True,
        text=True,
        env=metaflow_environ({}),
    )
    return out.stdout.strip().splitlines()[-1]


def metaflow_environ(base: dict[str, str]) -> dict[str, str]:
    """Environment for Metaflow in local mode: local metadata and datastore, a user name."""
    env = dict(base)
    env.update(
        METAFLOW_DEFAULT_METADATA="local",
        METAFLOW_DEFAULT_DATASTORE="local",
        USERNAME=base.get("USERNAME") or "bench",
    )
    return env


if __name__ == "__main__":
    py = ensure(pins=pins_of_this_env(), quiet=False)
    print(py)
    print("metaflow", version(py))
    sys.exit(0)
