"""Schema migrations, numbered by ``PRAGMA user_version``.

Each migration is a named function; migration *n* brings the schema from
version *n - 1* to *n*. Migrations are additive only (new tables, columns,
indexes, views) and are never edited once released: a change is a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tessera.errors import StoreError
from tessera.store.limits import M002_STATEMENTS, M003_STATEMENTS
from tessera.store.schema import M001_STATEMENTS

Migration = Callable[[sqlite3.Connection], None]


def m001_initial(conn: sqlite3.Connection) -> None:
    """Runs, tasks, agent performance, prices, calls, quality iterations and report views."""
    for statement in M001_STATEMENTS:
        conn.execute(statement)


def m002_cost_limits(conn: sqlite3.Connection) -> None:
    """Reservations of hard limits and the first crossing of each limit per window."""
    for statement in M002_STATEMENTS:
        conn.execute(statement)


def m003_held_costs(conn: sqlite3.Connection) -> None:
    """The bound a call of unknown cost keeps counting toward the limits."""
    for statement in M003_STATEMENTS:
        conn.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (m001_initial, m002_cost_limits, m003_held_costs)

#: The schema version this code writes and understands.
SCHEMA_VERSION = len(MIGRATIONS)


def refuse_newer(version: int, path: Path) -> None:
    """Raise :class:`StoreError` when the file's schema is newer than this code knows."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"metrics database {path} was written by a newer Tessera (schema {version}, "
            f"this version knows {SCHEMA_VERSION}); upgrade tessera"
        )


def migrate(conn: sqlite3.Connection, path: Path, version: int) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; return the number of migrations applied.

    ``version`` is the ``user_version`` read before locking. All pending
    migrations run in one ``BEGIN IMMEDIATE`` transaction, and the version is
    read again once the lock is held, so two processes opening a fresh file at
    the same moment do not both migrate.
    """
    refuse_newer(version, path)
    if version == SCHEMA_VERSION:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        refuse_newer(version, path)
        pending = MIGRATIONS[version:]
        for migration in pending:
            migration(conn)
        # PRAGMA does not take parameters; SCHEMA_VERSION is an int constant.
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return len(pending)
