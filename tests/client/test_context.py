"""The client context: namespace and metadata provider selection (client/context.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowscope.client import (
    Flow,
    Metaflow,
    Run,
    default_metadata,
    default_namespace,
    get_metadata,
    get_namespace,
    metadata,
    namespace,
)
from flowscope.client.context import CONTEXT
from flowscope.errors import DataStoreError, MetadataError, ObjectNotFound, TagError
from flowscope.metastore.local import open_local


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A working directory without a store, and no user name set for flowscope (the context
    and the rest of the environment are clean already: tests/conftest.py)."""
    monkeypatch.delenv("FLOWSCOPE_USER")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---- namespace -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"FLOWSCOPE_USER": "fs", "USERNAME": "un", "USER": "u"}, "user:fs"),
        ({"USERNAME": "un", "USER": "u"}, "user:un"),
        ({"USER": "u"}, "user:u"),
    ],
)
def test_default_namespace_follows_the_user_name(fresh, monkeypatch, env, expected):
    for name in ("USERNAME", "USER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert get_namespace() == expected
    assert default_namespace() == expected


def test_namespace_is_read_when_first_used_not_at_import(fresh, monkeypatch):
    monkeypatch.setenv("FLOWSCOPE_USER", "first")
    assert get_namespace() == "user:first"
    monkeypatch.setenv("FLOWSCOPE_USER", "second")
    assert get_namespace() == "user:first"  # resolved once
    assert default_namespace() == "user:second"  # re-read on request


def test_namespace_returns_the_namespace_in_force(fresh):
    assert namespace("team:ml") == "team:ml"
    assert get_namespace() == "team:ml"
    assert namespace(None) is None
    assert get_namespace() is None


@pytest.mark.parametrize("bad", ["", " ", "x" * 501, 5, "a\x00b"])
def test_invalid_namespaces_are_refused(fresh, bad):
    namespace("team:ml")
    with pytest.raises(TagError):
        namespace(bad)  # type: ignore[arg-type]
    assert get_namespace() == "team:ml"


def test_objects_keep_the_namespace_of_their_creation(client, builder):
    builder.hello(user="bob")
    namespace(None)
    flow = Flow("HelloFlow")
    namespace("user:alice")
    assert [r.id for r in flow] == ["1"]  # still global
    assert flow.namespace is None
    assert list(Metaflow()) == []


def test_a_custom_tag_is_a_namespace(client, builder):
    builder.hello(tags=["project:x"], user="bob")
    builder.hello(user="bob")
    namespace("project:x")
    assert [r.id for r in Flow("HelloFlow")] == ["1"]
    assert [f.id for f in Metaflow()] == ["HelloFlow"]


# ---- metadata --------------------------------------------------------------------------


def _store(directory: Path) -> Path:
    root = directory / ".flowscope"
    open_local(root, create=True).close()
    return root


def test_metadata_accepts_a_directory_holding_a_store(fresh):
    root = _store(fresh / "proj")
    assert metadata(str(fresh / "proj")) == f"local@{root}"
    assert get_metadata() == f"local@{root}"


@pytest.mark.parametrize("form", ["{root}", "local@{root}", "local@{parent}"])
def test_metadata_forms(fresh, form):
    root = _store(fresh / "proj")
    assert metadata(form.format(root=root, parent=root.parent)) == f"local@{root}"


def test_metadata_round_trips_through_get_metadata(fresh):
    first, second = _store(fresh / "a"), _store(fresh / "b")
    metadata(str(first))
    saved = get_metadata()
    metadata(str(second))
    assert metadata(saved) == f"local@{first}"


def test_a_directory_without_a_store_is_an_error_at_that_call(fresh):
    root = _store(fresh / "proj")
    metadata(str(root))
    (fresh / "empty").mkdir()
    with pytest.raises(MetadataError, match="no flowscope store"):
        metadata(str(fresh / "empty"))
    assert get_metadata() == f"local@{root}"  # unchanged
    assert not (fresh / "empty" / ".flowscope").exists()  # nothing created


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_metadata_refuses_non_addresses(fresh, bad):
    with pytest.raises(MetadataError):
        metadata(bad)  # type: ignore[arg-type]


def test_service_at_needs_a_url(fresh):
    with pytest.raises(MetadataError):
        metadata("service@/not/a/url")


def test_the_familys_kind_names_pick_the_default_stores(fresh, monkeypatch):
    root = _store(fresh)
    monkeypatch.chdir(fresh)
    with pytest.raises(MetadataError, match="set FLOWSCOPE_SERVICE_URL"):
        metadata("service")
    monkeypatch.setenv("FLOWSCOPE_SERVICE_URL", "http://127.0.0.1:9/api")
    assert default_metadata() == "service@http://127.0.0.1:9/api"  # the settings read again
    assert metadata("local") == f"local@{root}"  # local even with a service configured
    assert not (fresh / "local").exists()


def test_default_metadata_walks_up_from_the_working_directory(fresh, monkeypatch):
    root = _store(fresh)
    deep = fresh / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    metadata(str(_store(fresh / "elsewhere")))
    assert default_metadata() == f"local@{root}"
    assert get_metadata() == f"local@{root}"


def test_default_metadata_without_a_store_names_the_working_directory(fresh):
    assert default_metadata() == f"local@{fresh / '.flowscope'}"
    assert get_metadata() == f"local@{fresh / '.flowscope'}"
    with pytest.raises(MetadataError, match="no flowscope store"):
        Flow("HelloFlow")
    assert not (fresh / ".flowscope").exists()


def test_default_metadata_prefers_the_service_url(fresh, monkeypatch):
    monkeypatch.setenv("FLOWSCOPE_SERVICE_URL", "http://127.0.0.1:9/api")
    assert default_metadata() == "service@http://127.0.0.1:9/api"


def test_default_metadata_honours_flowscope_root(fresh, monkeypatch):
    root = _store(fresh / "custom")
    monkeypatch.setenv("FLOWSCOPE_ROOT", str(root))
    assert default_metadata() == f"local@{root}"


def test_providers_are_opened_once_per_address(fresh):
    root = _store(fresh / "proj")
    metadata(str(root))
    first = CONTEXT.provider()
    metadata(str(fresh / "proj"))
    assert CONTEXT.provider() is first
    assert CONTEXT.provider_for(f"local@{root}") is first


def test_objects_keep_their_provider(client, builder, tmp_path_factory):
    run = builder.hello()
    obj = Run(run.pathspec)
    metadata(str(_store(tmp_path_factory.mktemp("other"))))
    assert obj.data.x == 3  # still reads the store it came from
    with pytest.raises(ObjectNotFound):
        Run(run.pathspec)


def test_metadata_resolves_the_datastore_along_with_the_address(fresh):
    first, second = _store(fresh / "a"), _store(fresh / "b")
    metadata(str(first))
    assert CONTEXT.stores().datastore_address == str(first / "blobs")
    metadata(str(second))
    assert CONTEXT.stores().datastore_address == str(second / "blobs")
    assert CONTEXT.datastore_for(CONTEXT.provider()) is CONTEXT.stores().datastore


def test_flowscope_datastore_names_the_client_datastore(fresh, monkeypatch):
    root = _store(fresh / "proj")
    monkeypatch.setenv("FLOWSCOPE_DATASTORE", str(fresh / "shared"))
    metadata(str(root))
    assert CONTEXT.stores().datastore_address == str(fresh / "shared")
    CONTEXT.set_stores(str(root), str(fresh / "explicit"))  # the CLI's --datastore
    assert CONTEXT.stores().datastore_address == str(fresh / "explicit")
    assert get_metadata() == f"local@{root}"


def test_a_bad_datastore_leaves_the_choice_as_it_was(fresh):
    root = _store(fresh / "proj")
    metadata(str(root))
    before = CONTEXT.stores()
    with pytest.raises(DataStoreError, match="'ftp://x'"):
        CONTEXT.set_stores(str(root), "ftp://x")
    assert CONTEXT.stores() is before


def test_objects_keep_their_datastore(client, builder, tmp_path_factory):
    run = builder.hello()
    obj = Run(run.pathspec)
    CONTEXT.set_stores(client.address, str(tmp_path_factory.mktemp("empty-blobs")))
    assert obj.data.x == 3  # its provider's pair: the datastore it was created with
    with pytest.raises(DataStoreError, match="missing from the datastore"):
        _ = Run(run.pathspec).data.x


def test_importing_the_client_reads_no_environment():
    code = (
        "import os\n"
        "class Spy(dict):\n"
        "    def __getitem__(self, k): raise SystemExit('read ' + k)\n"
        "    def get(self, k, d=None): raise SystemExit('read ' + k)\n"
        "os.environ = Spy(os.environ)\n"
        "import flowscope.client\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert out.stdout.strip() == "ok", out.stderr
