"""Code: the run's code package (client/code.py)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from flowscope.client import Run
from flowscope.client.code import Code
from flowscope.errors import DataStoreError


@pytest.fixture
def code(client, builder):
    return Run(builder.hello().pathspec).code


def test_info_and_script_name(code):
    assert code.info["script_name"] == "flow.py" and code.info["flow_name"] == "HelloFlow"
    assert code.script_name == "flow.py"


def test_flowspec_is_the_flow_source(code):
    assert isinstance(code.flowspec, str) and "class HelloFlow(FlowSpec)" in code.flowspec


def test_tarball(code):
    tar = code.tarball
    assert isinstance(tar, tarfile.TarFile)
    assert {"flow.py", "helpers.py", ".flowscope_code.json"} <= set(tar.getnames())


def test_path_and_sha(code, client):
    assert len(code.sha) == 64 and code.sha in code.path
    if client.name == "local":
        assert os.path.exists(code.path)


def test_extract(code):
    directory = code.extract()
    try:
        root = Path(directory.name)
        assert (root / "helpers.py").read_text() == "X = 1\n"
        assert "class HelloFlow" in (root / "flow.py").read_text()
    finally:
        directory.cleanup()


def test_extract_refuses_members_outside_the_directory(client, builder):
    import io

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"evil"
        info = tarfile.TarInfo("../../escape.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    run = builder.new_run("EvilFlow")
    key = builder.blob(buffer.getvalue())
    code = Code._make(builder.provider, key, run.pathspec)
    with pytest.raises(DataStoreError, match="unsafe"):
        code.extract()


def test_code_is_not_built_directly():
    with pytest.raises(TypeError):
        Code()


def test_an_unreadable_package(client, builder):
    key = builder.blob(b"not a tarball")
    code = Code._make(builder.provider, key, "X/1")
    with pytest.raises(DataStoreError, match="X/1"):
        _ = code.tarball
