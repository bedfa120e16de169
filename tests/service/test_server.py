"""The running service's configuration (service/server.py): the config that travels to worker
processes as JSON, the token file, the database address, and the app it builds. Serving under
uvicorn is covered end to end by test_service_process.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.errors import MetadataError, SchemaError
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.local import open_local
from flowscope.metastore.migrations import migrate
from flowscope.service.server import (
    CONFIG_ENV,
    ServiceConfig,
    app_from_env,
    build_app,
    open_service_database,
    read_token,
)

from .helpers import Api


def test_the_config_round_trips_as_json() -> None:
    config = ServiceConfig("postgresql://h/db", "/blobs", "/tok", 10, 20, 3.5, 4, "/team")
    assert ServiceConfig.from_json(config.to_json()) == config
    assert "secret" not in config.to_json()  # only a path to the token travels


def test_the_token_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("  abc \n")
    assert read_token(str(path)) == "abc"
    path.write_text("\n")
    with pytest.raises(MetadataError, match="is empty"):
        read_token(str(path))
    with pytest.raises(MetadataError, match="Cannot read the token file"):
        read_token(str(tmp_path / "missing"))


def test_sqlite_addresses(tmp_path: Path) -> None:
    db = open_service_database(str(tmp_path / "a.db"))
    assert isinstance(db, SqliteDatabase) and db.path == tmp_path / "a.db"
    assert open_service_database(str(tmp_path)).describe() == str(tmp_path / "metadata.db")
    url = open_service_database(f"sqlite://{tmp_path}/b.db")
    assert url.describe() == str(tmp_path / "b.db")
    with pytest.raises(MetadataError, match="no directory"):
        open_service_database(str(tmp_path / "nowhere" / "c.db"))


def test_an_unmigrated_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaError):
        build_app(ServiceConfig(str(tmp_path / "fresh.db")))


def test_the_built_app_serves_a_local_store_with_its_token(tmp_path: Path) -> None:
    open_local(tmp_path, create=True).close()
    (tmp_path / "token").write_text("tok\n")
    config = ServiceConfig(
        str(tmp_path),
        blob_root=str(tmp_path / "blobs"),
        token_file=str(tmp_path / "token"),
        prefix="/p",
    )
    api = Api(build_app(config), token="tok")
    try:
        assert api.get("http://localhost/p/api/v1/flows").json() == {"flows": []}
        assert api.get("/flows", token="nope").status_code == 401
        assert api.get("/health").json()["blobs"] is True
    finally:
        api.close()


def test_workers_read_their_config_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    with pytest.raises(MetadataError, match=f"{CONFIG_ENV} is not set"):
        app_from_env()
    db = SqliteDatabase(tmp_path / "m.db")
    migrate(db)
    db.close()
    monkeypatch.setenv(CONFIG_ENV, ServiceConfig(str(tmp_path / "m.db")).to_json())
    api = Api(app_from_env(), token=None)
    try:
        assert api.get("/health").json()["blobs"] is False
    finally:
        api.close()
