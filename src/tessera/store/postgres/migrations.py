"""Migrations of the PostgreSQL schema, numbered in a one-row ``schema_version`` table.

The same rules as SQLite's (``PRAGMA user_version`` there): additive only,
never edited once released, all pending ones in one transaction. PostgreSQL
runs DDL inside transactions, and an advisory lock makes hosts that open a
fresh store at the same moment migrate it once.
"""

from __future__ import annotations

from collections.abc import Callable

from tessera.errors import StoreError
from tessera.store.backend import redacted
from tessera.store.postgres.connection import PgConnection
from tessera.store.postgres.schema import M001_STATEMENTS, M002_STATEMENTS

Migration = Callable[[PgConnection], None]


def m001_initial(conn: PgConnection) -> None:
    """Runs, tasks, agent performance, prices, calls, quality iterations and report views."""
    for statement in M001_STATEMENTS:
        conn.raw.execute(statement)


def m002_cost_limits(conn: PgConnection) -> None:
    """Reservations of hard limits and the first crossing of each limit per window."""
    for statement in M002_STATEMENTS:
        conn.raw.execute(statement)


def m003_held_costs(conn: PgConnection) -> None:
    """The bound a call of unknown cost keeps counting toward the limits."""
    conn.raw.execute("ALTER TABLE llm_calls ADD COLUMN held_pusd BIGINT")


MIGRATIONS: tuple[Migration, ...] = (m001_initial, m002_cost_limits, m003_held_costs)

#: The PostgreSQL schema version this code writes and understands.
PG_SCHEMA_VERSION = len(MIGRATIONS)

_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


def read_version(conn: PgConnection) -> int:
    """The schema's version; 0 when nothing was created yet."""
    exists = conn.raw.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.raw.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def refuse_newer(version: int, url: str) -> None:
    """Raise :class:`StoreError` when the schema is newer than this code knows."""
    if version > PG_SCHEMA_VERSION:
        raise StoreError(
            f"metrics store {redacted(url)} was written by a newer Tessera (schema {version}, "
            f"this version knows {PG_SCHEMA_VERSION}); upgrade tessera"
        )


def migrate(conn: PgConnection, url: str) -> int:
    """Bring the schema up to :data:`PG_SCHEMA_VERSION`; return the number of migrations run."""
    version = read_version(conn)
    refuse_newer(version, url)
    if version == PG_SCHEMA_VERSION:
        return 0
    found = conn.raw.execute("SELECT current_schema(), current_setting('search_path')").fetchone()
    if found is None or found[0] is None:
        path = found[1] if found else "?"
        raise StoreError(
            f"metrics store {redacted(url)}: no schema to create the tables in (search_path "
            f"{path!r} names no existing schema): create it with CREATE SCHEMA, or fix the "
            "URL's options=-csearch_path%3D..."
        )
    with conn.raw.transaction():
        conn.lock("migrate")
        conn.raw.execute(_VERSION_TABLE)
        version = read_version(conn)
        refuse_newer(version, url)
        pending = MIGRATIONS[version:]
        for migration in pending:
            migration(conn)
        conn.raw.execute("DELETE FROM schema_version")
        conn.raw.execute("INSERT INTO schema_version (version) VALUES (%s)", (PG_SCHEMA_VERSION,))
    return len(pending)
