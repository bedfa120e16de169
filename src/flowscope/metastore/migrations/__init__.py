"""Numbered schema migrations (`NNNN_name.sql`), one runner for SQLite and PostgreSQL.

Each migration is applied in its own write transaction and recorded in `schema_migrations`.
A database whose schema is newer than the newest file here is refused with SchemaError.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path

from flowscope.errors import MetadataError, SchemaError
from flowscope.frozen import Frozen, init
from flowscope.metastore.db import Connection, Database

_FILE = re.compile(r"(\d{4})_(\w+)\.sql\Z")


class Migration(Frozen):
    __slots__ = ("version", "name", "statements")
    version: int
    name: str
    statements: tuple[str, ...]

    def __init__(self, version: int, name: str, statements: tuple[str, ...]) -> None:
        init(self, "version", version)
        init(self, "name", name)
        init(self, "statements", statements)


@lru_cache(maxsize=1)
def known_migrations() -> tuple[Migration, ...]:
    found = []
    for path in sorted(Path(__file__).parent.iterdir()):
        match = _FILE.match(path.name)
        if not match:
            continue
        text = "\n".join(
            line for line in path.read_text().splitlines() if not line.strip().startswith("--")
        )
        statements = tuple(s.strip() for s in text.split(";") if s.strip())
        found.append(Migration(int(match.group(1)), match.group(2), statements))
    return tuple(found)


def latest_version() -> int:
    return known_migrations()[-1].version


_CREATE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
)


def current_version(db: Database) -> int:
    def work(conn: Connection) -> int:
        conn.execute(_CREATE)
        rows = conn.execute("SELECT MAX(version) FROM schema_migrations")
        return int(rows[0][0] or 0)

    return db.write(work)


def _too_new(db: Database, found: int) -> SchemaError:
    return SchemaError(
        f"The database {db.describe()} has schema version {found}, newer than the "
        f"{latest_version()} this version of flowscope knows. Upgrade flowscope "
        f"(pip install -U flowscope) before using this database."
    )


def check_schema(db: Database) -> int:
    """Raise SchemaError unless the schema is exactly the one this code knows."""
    found = current_version(db)
    if found > latest_version():
        raise _too_new(db, found)
    if found < latest_version():
        raise SchemaError(
            f"The database {db.describe()} has schema version {found}; this flowscope needs "
            f"{latest_version()}. Run `flowscope service migrate --database ...` to upgrade it."
        )
    return found


def _is_current(db: Database) -> bool:
    """One read, no write lock: is the schema already the newest this code knows?"""
    try:
        rows = db.read(lambda c: c.execute("SELECT MAX(version) FROM schema_migrations"))
    except MetadataError:  # no schema_migrations table yet
        return False
    return int(rows[0][0] or 0) == latest_version()


def migrate(db: Database) -> list[int]:
    """Apply every pending migration; return the versions applied (safe to run concurrently).

    An up-to-date database costs one read, so opening a store for every command is cheap."""
    if _is_current(db):
        return []
    applied: list[int] = []
    for migration in known_migrations():

        def apply(conn: Connection, m: Migration = migration) -> bool:
            conn.execute(_CREATE)
            if db.dialect == "postgresql":
                conn.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            rows = conn.execute("SELECT MAX(version) FROM schema_migrations")
            found = int(rows[0][0] or 0)
            if found > latest_version():
                raise _too_new(db, found)
            if found >= m.version:
                return False
            for statement in m.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (m.version, m.name, time.time()),
            )
            return True

        if db.write(apply):
            applied.append(migration.version)
    return applied
