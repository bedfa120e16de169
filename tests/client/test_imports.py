"""The client package: light to import, exporting exactly its public names (__init__.py)."""

from __future__ import annotations

import subprocess
import sys

import flowscope.client

HEAVY = [
    "http.client",
    "urllib.request",
    "httpx",
    "psycopg",
    "starlette",
    "uvicorn",
    "sqlite3",
    "numpy",
    "pandas",
    "lz4",
    "blake3",
    "flowscope.metastore.store",
    "flowscope.datastore",
    "flowscope.runtime",
    "flowscope.cli",
]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_client_loads_nothing_heavy():
    loaded = _modules_after("import flowscope.client")
    assert [m for m in HEAVY if m in loaded] == []


def test_all_is_sorted_and_complete():
    names = flowscope.client.__all__
    assert names == sorted(names)
    required = {
        "Metaflow",
        "Flow",
        "Run",
        "Step",
        "Task",
        "DataArtifact",
        "namespace",
        "get_namespace",
        "default_namespace",
        "metadata",
        "get_metadata",
        "default_metadata",
    }
    assert required <= set(names)
    for name in names:
        assert getattr(flowscope.client, name) is not None
    public = {n for n in vars(flowscope.client) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(flowscope.client, n)).__name__ == "module"}
    assert public - modules - {"annotations"} == set(names)


def test_public_constructors_take_only_public_parameters():
    import inspect

    for cls in (
        flowscope.client.Flow,
        flowscope.client.Run,
        flowscope.client.Step,
        flowscope.client.Task,
        flowscope.client.DataArtifact,
        flowscope.client.Metaflow,
    ):
        params = inspect.signature(cls).parameters
        assert not [p for p in params if p.startswith("_")], cls
