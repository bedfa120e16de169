"""What a run records about its environment and code (pure enough to test in process)."""

from __future__ import annotations

import tarfile
from io import BytesIO
from pathlib import Path

from flowscope.runtime.recording import (
    CODE_INFO_NAME,
    code_package,
    environment_info,
    installed_packages,
    parameter_artifacts,
)


def test_installed_packages_match_importlib_metadata():
    from importlib import metadata

    def norm(name: str) -> str:
        return name.lower().replace("-", "_").replace(".", "_")

    expected = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    found = {norm(k): v for k, v in installed_packages().items()}
    assert found == expected


def test_installed_packages_first_on_the_path_wins(tmp_path: Path):
    first, second = tmp_path / "a", tmp_path / "b"
    (first / "Some_Pkg-1.0.dist-info").mkdir(parents=True)
    (second / "some_pkg-2.0.dist-info").mkdir(parents=True)
    (second / "other-3.1.dist-info").mkdir()
    (second / "not_a_dist").mkdir()
    assert installed_packages([str(first), str(second), str(tmp_path / "missing")]) == {
        "other": "3.1",
        "Some_Pkg": "1.0",
    }


def test_environment_info_names_python_platform_packages_and_runtime():
    env = environment_info("local")
    assert env["python_version"].count(".") == 2 and env["runtime"] == "local"
    assert env["platform"].startswith(("Linux-", "Darwin-"))
    assert "blake3" in env["packages"] and env["flowscope_version"]


def test_code_package_holds_the_flow_and_python_files_beside_it(tmp_path: Path):
    (tmp_path / "flow.py").write_text("print('flow')\n")
    (tmp_path / "helper.py").write_text("X = 1\n")
    (tmp_path / "data.csv").write_text("a,b\n")
    (tmp_path / ".flowscope").mkdir()
    (tmp_path / ".flowscope" / "junk.py").write_text("")
    blob = code_package(tmp_path / "flow.py", "F")
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        names = set(tar.getnames())
    assert names == {"flow.py", "helper.py", CODE_INFO_NAME}


def test_parameter_artifacts_are_saved_sorted_with_their_scalar_text(tmp_path: Path):
    from flowscope.datastore import load_artifact

    from .support import datastore

    store = datastore(tmp_path)
    records = parameter_artifacts(store, {"beta": [1, 2], "alpha": 0.5})
    assert [r.name for r in records] == ["alpha", "beta"]
    assert records[0].scalar == "0.5" and records[0].type_name == "builtins.float"
    assert load_artifact(store, records[1].sha, records[1].serializer) == [1, 2]
