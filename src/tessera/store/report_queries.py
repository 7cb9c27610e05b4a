"""Queries for the HTML report and ``tessera db``: slowest tasks, a read-only file check.

The file check opens the database read-only and never migrates, so ``tessera
db check`` can look at any file, including one it would refuse to write to.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tessera.errors import StoreError
from tessera.store import MetricsStore
from tessera.store.connection import check_header, unreadable
from tessera.store.convert import from_pusd, parse_time
from tessera.store.migrations import SCHEMA_VERSION, refuse_newer
from tessera.store.queries import _range

__all__ = ("DatabaseCheck", "SlowTask", "check_database", "read_schema_version", "slowest_tasks")


@dataclass(frozen=True, slots=True)
class SlowTask:
    """One finished task phase (an ``agent_performance`` row) with its task's description."""

    task_id: str | None
    agent_name: str | None
    phase: str | None
    description: str | None
    success: bool
    duration_seconds: float
    cost_usd: Decimal
    finished_at: datetime | None
    calls: int
    unpriced_calls: int


@dataclass(frozen=True, slots=True)
class DatabaseCheck:
    """What ``tessera db check`` reports about one file.

    Attributes:
        path: The database file.
        schema_version: The file's ``PRAGMA user_version``.
        supported_version: The schema version this Tessera writes.
        problems: SQLite's integrity-check messages; empty when the file is sound.
        row_counts: Rows per table, by table name.
    """

    path: Path
    schema_version: int
    supported_version: int
    problems: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when SQLite found nothing wrong."""
        return not self.problems


def slowest_tasks(
    store: MetricsStore,
    limit: int = 10,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SlowTask]:
    """The ``limit`` longest task phases that finished in ``[since, until)``, longest first."""
    clauses, params = _range("p.timestamp", since, until)
    sql = f"""SELECT p.task_id, p.agent_name, p.phase, t.description, p.success,
                    p.duration_seconds, COALESCE(p.cost_pusd, 0), p.timestamp,
                    COALESCE(p.calls, 0), COALESCE(p.unpriced_calls, 0)
             FROM agent_performance AS p
             LEFT JOIN task_assignments AS t ON t.task_id = p.task_id
             WHERE {" AND ".join(["p.duration_seconds IS NOT NULL", *clauses])}
             ORDER BY p.duration_seconds DESC, p.id
             LIMIT ?"""
    # The store's own read context: it opens (and migrates) the file once and
    # turns SQLite errors into StoreError.
    with store._read() as conn:
        rows = conn.execute(sql, [*params, limit]).fetchall()
    return [
        SlowTask(t, agent, phase, text, bool(ok), float(s), from_pusd(c), parse_time(at), n, u)
        for t, agent, phase, text, ok, s, c, at, n, u in rows
    ]


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"no metrics database at {path}")
    check_header(path)
    try:
        # mode=ro: a check must never create, migrate or otherwise write the file.
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc) from exc


def read_schema_version(path: Path) -> int | None:
    """The file's schema version, read without writing; None when the file does not exist.

    An empty file (which SQLite treats as a new database) is version 0.

    Raises:
        StoreError: The file is not SQLite or cannot be read.
    """
    if not path.exists():
        return None
    conn = _connect_read_only(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc) from exc
    finally:
        conn.close()


def check_database(path: Path) -> DatabaseCheck:
    """Integrity check, schema version and row counts of a database file, read-only.

    Raises:
        StoreError: The file is missing, not SQLite, unreadable, or written by a
            newer Tessera (it is left untouched).
    """
    conn = _connect_read_only(path)
    try:
        names = [
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        refuse_newer(version, path)
        found = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        problems = [] if found == ["ok"] else found
        counts: dict[str, int] = {}
        if not problems:
            for name in names:
                quoted = '"' + name.replace('"', '""') + '"'
                counts[name] = int(conn.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc) from exc
    finally:
        conn.close()
    return DatabaseCheck(path, version, SCHEMA_VERSION, problems, counts)
