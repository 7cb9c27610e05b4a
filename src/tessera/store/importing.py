"""Importing another Tessera database file into this one, inside SQLite.

A host's backup, a colleague's file, or the file a host would ``tessera db
push``: its history is copied with ``ATTACH`` and ``INSERT ... SELECT``, so
the rows never pass through Python (about 250 000 calls per second against
60 000 through :func:`tessera.store.bulk.record_calls`).

The rules are those of ``db push`` (``tessera.store.postgres.push``): rows
are matched on their natural keys, so importing twice adds nothing, and a task
or run that finished since an earlier import, or a task started again (a retry,
a new phase), is brought up to date. Calls keep
pointing at the price that priced them: ``pricing_id`` is remapped to this
store's id of the same row. Reservations and limit crossings are not copied:
they belong to the moment, not to the history. Everything is one transaction:
an import that fails adds nothing. The source file is opened read-only.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tessera.errors import StoreError
from tessera.store import prices
from tessera.store.connection import transaction
from tessera.store.migrations import SCHEMA_VERSION

if TYPE_CHECKING:
    from tessera.store import MetricsStore

_ALIAS = "tessera_import"
_MAP = "temp.tessera_import_prices"

#: When an incoming row ``excluded`` replaces the stored row ``t``: a run that
#: has ended since.
RUN_IS_NEWER = "t.ended_at IS NULL AND excluded.ended_at IS NOT NULL"

#: When an incoming task row replaces the stored one: a later attempt or phase
#: (a task id started again after an earlier copy, running or finished), the
#: same attempt finished since, or calls folded into it after it ended. An
#: older copy of a file never undoes a newer attempt.
TASK_IS_NEWER = (
    "excluded.started_at > t.started_at OR (excluded.started_at = t.started_at AND"
    " ((t.completed_at IS NULL AND excluded.completed_at IS NOT NULL)"
    " OR (excluded.completed_at = t.completed_at AND excluded.calls > t.calls)))"
)

_RUNS = "run_id, name, started_at, ended_at, status, trace_id"
_TASKS = (
    "task_id, description, type, agent_name, assigned_at, started_at, completed_at, status, "
    "result_summary, error_message, phase, run_id, trace_id, span_id, quality_score, calls, "
    "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, "
    "cost_usd, cost_pusd, unpriced_calls"
)
_CALLS = (
    "call_id, operation_id, attempt, task_id, run_id, trace_id, span_id, agent_name, phase, "
    "provider, request_model, response_model, started_at, ended_at, duration_ms, input_tokens, "
    "output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, "
    "usage_reported, cost_usd, cost_pusd, cost_status, pricing_id, stream, status, error_type, "
    "raw_usage, extras"
)
_PERF = (
    "agent_name, task_id, phase, success, duration_seconds, cost_usd, cost_pusd, quality_score, "
    "timestamp, run_id, calls, unpriced_calls"
)
_QUALITY = (
    "run_id, monitor, iteration, coverage, quality_score, tasks_completed, cost_usd, cost_pusd, "
    "recorded_at"
)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Rows read from the imported file and rows added or updated here, per table."""

    read: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)

    @property
    def total_written(self) -> int:
        """Rows added or updated, all tables."""
        return sum(self.written.values())


def check_source(source: Path, target: Path) -> None:
    """Refuse a missing file, this store's own file, a non-Tessera file or a newer schema."""
    if not source.is_file():
        raise StoreError(f"cannot import {source}: no such file")
    if target.exists() and source.resolve() == target.resolve():
        raise StoreError(f"cannot import {source} into itself")
    try:
        with closing(sqlite3.connect(_uri(source), uri=True)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot import {source}: not an SQLite database ({exc})") from exc
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"cannot import {source}: written by a newer Tessera (schema {version}, "
            f"this version knows {SCHEMA_VERSION}); upgrade tessera"
        )
    if version < 1 or "llm_calls" not in tables:
        raise StoreError(f"cannot import {source}: not a Tessera metrics database")


def _uri(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def import_database(store: MetricsStore, source: Path) -> ImportResult:
    """Copy ``source``'s history into ``store`` in one transaction (see the module docstring)."""
    check_source(source, store.path)
    with store._read() as conn:
        # ATTACH and DETACH are refused inside a transaction: around it, then.
        conn.execute(f"ATTACH DATABASE ? AS {_ALIAS}", (_uri(source),))
        try:
            with transaction(conn):
                return _copy(conn)
        finally:
            conn.execute(f"DETACH DATABASE {_ALIAS}")


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {_ALIAS}.{table}").fetchone()[0])


def _copy(conn: sqlite3.Connection) -> ImportResult:
    read: dict[str, int] = {}
    written: dict[str, int] = {}
    mapping, written["model_pricing"] = _price_ids(conn)
    read["model_pricing"] = len(mapping)
    conn.execute(f"CREATE TABLE {_MAP} (source_id INTEGER PRIMARY KEY, id INTEGER)")
    try:
        conn.executemany(f"INSERT INTO {_MAP} VALUES (?, ?)", mapping.items())
        for table, columns, key, newer in (
            ("runs", _RUNS, "run_id", RUN_IS_NEWER),
            ("task_assignments", _TASKS, "task_id", TASK_IS_NEWER),
        ):
            read[table] = _count(conn, table)
            written[table] = _upsert_newer(conn, table, columns, key, newer)
        read["llm_calls"] = _count(conn, "llm_calls")
        written["llm_calls"] = _calls(conn)
        read["agent_performance"] = _count(conn, "agent_performance")
        written["agent_performance"] = _performance(conn)
        read["quality_iterations"] = _count(conn, "quality_iterations")
        written["quality_iterations"] = _quality(conn)
    finally:
        conn.execute(f"DROP TABLE {_MAP}")
    return ImportResult(read, written)


def _price_ids(conn: sqlite3.Connection) -> tuple[dict[int, int], int]:
    """Map the imported file's ``model_pricing`` ids to this store's, adding rows it lacks.

    Only user rows and the built-in rows that priced an imported call are
    carried over; this store syncs its own built-in table.
    """
    insert = prices._INSERT.replace("INSERT INTO model_pricing", "INSERT INTO main.model_pricing")

    def add(values: list[Any]) -> int:
        cursor = conn.execute(insert, values)
        assert cursor.lastrowid is not None  # an INSERT sets it
        return cursor.lastrowid

    used = {
        int(pid)
        for (pid,) in conn.execute(f"SELECT DISTINCT pricing_id FROM {_ALIAS}.llm_calls")
        if pid
    }
    select = prices.SELECT_WITH_KEYS
    return prices.remap_price_ids(
        conn.execute(select.format("main.model_pricing") + " ORDER BY id").fetchall(),
        conn.execute(select.format(f"{_ALIAS}.model_pricing") + " ORDER BY id").fetchall(),
        used,
        add,
    )


def _upsert_newer(conn: sqlite3.Connection, table: str, columns: str, key: str, newer: str) -> int:
    """Insert, or update a row this store has in an older state (``newer`` says when)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns.split(", ") if c != key)
    sql = (
        f"INSERT INTO main.{table} AS t ({columns}) SELECT {columns} FROM {_ALIAS}.{table}"
        # WHERE true: without it SQLite would read ON CONFLICT as a join's ON.
        f" WHERE true ORDER BY rowid ON CONFLICT ({key}) DO UPDATE SET {updates}"
        f" WHERE {newer}"
    )
    return max(conn.execute(sql).rowcount, 0)


def _calls(conn: sqlite3.Connection) -> int:
    selected = ", ".join(
        "p.id" if column == "pricing_id" else f"c.{column}" for column in _CALLS.split(", ")
    )
    sql = (
        f"INSERT INTO main.llm_calls ({_CALLS}) SELECT {selected}"
        f" FROM {_ALIAS}.llm_calls AS c LEFT JOIN {_MAP} AS p ON p.source_id = c.pricing_id"
        " WHERE true ORDER BY c.rowid ON CONFLICT (call_id) DO NOTHING"
    )
    return max(conn.execute(sql).rowcount, 0)


def _same(columns: tuple[str, ...]) -> str:
    # IS, not =: a NULL task or run id matches a NULL, as Python's tuples do in db push.
    return " AND ".join(f"d.{c} IS s.{c}" for c in columns)


def _performance(conn: sqlite3.Connection) -> int:
    # A finished phase is known by agent, task, phase and end time. SQLite reads the
    # whole SELECT before inserting (it reads the table it writes), so two equal rows
    # of the imported file are both kept, as db push keeps them.
    selected = ", ".join(f"s.{c}" for c in _PERF.split(", "))
    same = _same(("agent_name", "task_id", "phase", "timestamp"))
    sql = (
        f"INSERT INTO main.agent_performance ({_PERF}) SELECT {selected}"
        f" FROM {_ALIAS}.agent_performance AS s WHERE NOT EXISTS"
        f" (SELECT 1 FROM main.agent_performance AS d WHERE {same}) ORDER BY s.id"
    )
    return max(conn.execute(sql).rowcount, 0)


def _quality(conn: sqlite3.Connection) -> int:
    # A re-recorded iteration replaces this store's only when it is newer; a NULL
    # run_id never conflicts (NULLs are distinct in a UNIQUE constraint).
    selected = ", ".join(f"s.{c}" for c in _QUALITY.split(", "))
    same = _same(("run_id", "monitor", "iteration", "recorded_at"))
    updates = ", ".join(f"{c} = excluded.{c}" for c in _QUALITY.split(", ")[3:])
    sql = (
        f"INSERT INTO main.quality_iterations AS q ({_QUALITY}) SELECT {selected}"
        f" FROM {_ALIAS}.quality_iterations AS s WHERE NOT EXISTS"
        f" (SELECT 1 FROM main.quality_iterations AS d WHERE {same}) ORDER BY s.id"
        f" ON CONFLICT (run_id, monitor, iteration) DO UPDATE SET {updates}"
        " WHERE q.recorded_at < excluded.recorded_at"
    )
    return max(conn.execute(sql).rowcount, 0)
