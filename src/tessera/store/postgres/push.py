"""``tessera db push``: copy a host's SQLite history into the shared PostgreSQL store.

A host can record offline into its local file and sync later. The copy is
idempotent: every row is matched on its natural key, so pushing twice adds
nothing, and a task or run that finished since the last push, or a task
started again since (a retry, a new phase), is brought up to date. Natural
keys: ``run_id``, ``task_id``, ``call_id``; a finished phase
(``agent_performance``) by agent, task, phase and end time; a quality
iteration by run, monitor, iteration and recording time; a built-in price row
by its content key, a user price row by its content. Calls keep pointing at
the price that priced them: ``pricing_id`` is remapped to the shared store's
id of the same row. Reservations and limit crossings are not copied: they
belong to the moment, not to the history.

Everything is copied in one transaction: a push that fails adds nothing.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tessera.store import MetricsStore, prices
from tessera.store.convert import from_pusd
from tessera.store.importing import RUN_IS_NEWER, TASK_IS_NEWER, ImportResult
from tessera.store.postgres.connection import PgConnection
from tessera.store.postgres.prices import PRICES_LOCK

PUSH_LOCK = "push"


def _columns(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


_RUN_COLUMNS = ("run_id", "name", "started_at", "ended_at", "status", "trace_id")
_TASK_COLUMNS = _columns(
    "task_id, description, type, agent_name, assigned_at, started_at, completed_at, status, "
    "result_summary, error_message, phase, run_id, trace_id, span_id, quality_score, calls, "
    "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, "
    "cost_usd, cost_pusd, unpriced_calls"
)
_CALL_COLUMNS = _columns(
    "call_id, operation_id, attempt, task_id, run_id, trace_id, span_id, agent_name, phase, "
    "provider, request_model, response_model, started_at, ended_at, duration_ms, input_tokens, "
    "output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, "
    "usage_reported, cost_usd, cost_pusd, cost_status, pricing_id, stream, status, error_type, "
    "raw_usage, extras"
)
_PERF_COLUMNS = _columns(
    "agent_name, task_id, phase, success, duration_seconds, cost_usd, cost_pusd, quality_score, "
    "timestamp, run_id, calls, unpriced_calls"
)
_QUALITY_COLUMNS = _columns(
    "run_id, monitor, iteration, coverage, quality_score, tasks_completed, cost_usd, cost_pusd, "
    "recorded_at"
)


#: What a push copied: rows read from the local file, rows written to the shared store.
PushResult = ImportResult


def _rows(conn: sqlite3.Connection, table: str, columns: list[str], order: str) -> list[Any]:
    return conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()


def _exact(row: tuple[Any, ...], usd: int, pusd: int) -> tuple[Any, ...]:
    """The row with ``cost_usd`` rebuilt exactly from the picodollar column."""
    values = list(row)
    if values[pusd] is not None:
        values[usd] = from_pusd(values[pusd])
    return tuple(values)


def _insert(table: str, columns: list[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def _price_ids(local: sqlite3.Connection, shared: PgConnection) -> tuple[dict[int, int], int]:
    """Map local ``model_pricing`` ids to the shared store's, inserting rows it lacks.

    Returns the map and the number of rows inserted. Only user rows and the
    built-in rows that priced a local call are carried over; the shared store
    syncs its own built-in table.
    """
    shared.lock(PRICES_LOCK)
    select = prices.SELECT_WITH_KEYS.format("model_pricing") + " ORDER BY id"

    def add(values: list[Any]) -> int:
        found = shared.execute(prices._INSERT + " RETURNING id", values).fetchone()
        assert found is not None  # INSERT ... RETURNING returns the row
        return int(found[0])

    used = {
        int(pid) for (pid,) in local.execute("SELECT DISTINCT pricing_id FROM llm_calls") if pid
    }
    return prices.remap_price_ids(
        shared.execute(select).fetchall(), local.execute(select).fetchall(), used, add
    )


def _upsert_newer(table: str, columns: list[str], key: str, newer: str) -> str:
    """Insert, or update a row the shared store has in an older state (``newer`` says when)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    return (
        _insert(f"{table} AS t", columns)
        + f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
        + f" WHERE {newer}"
    )


def _executemany(shared: PgConnection, sql: str, rows: list[tuple[Any, ...]]) -> int:
    if not rows:
        return 0
    return max(shared.executemany(sql, rows).rowcount, 0)


def push(source: MetricsStore, shared: PgConnection) -> PushResult:
    """Copy ``source``'s history into ``shared`` inside the caller's transaction."""
    shared.lock(PUSH_LOCK)
    read: dict[str, int] = {}
    written: dict[str, int] = {}
    with source._read() as local:
        mapping, written["model_pricing"] = _price_ids(local, shared)
        read["model_pricing"] = len(mapping)

        runs = _rows(local, "runs", list(_RUN_COLUMNS), "rowid")
        sql = _upsert_newer("runs", list(_RUN_COLUMNS), "run_id", RUN_IS_NEWER)
        read["runs"], written["runs"] = len(runs), _executemany(shared, sql, runs)

        task_rows = _rows(local, "task_assignments", _TASK_COLUMNS, "rowid")
        tasks = [_exact(r, _TASK_COLUMNS.index("cost_usd"), -2) for r in task_rows]
        sql = _upsert_newer("task_assignments", _TASK_COLUMNS, "task_id", TASK_IS_NEWER)
        read["task_assignments"] = len(tasks)
        written["task_assignments"] = _executemany(shared, sql, tasks)

        price_at = _CALL_COLUMNS.index("pricing_id")
        usd_at, pusd_at = _CALL_COLUMNS.index("cost_usd"), _CALL_COLUMNS.index("cost_pusd")
        calls = []
        for row in _rows(local, "llm_calls", _CALL_COLUMNS, "rowid"):
            values = list(_exact(row, usd_at, pusd_at))
            if values[price_at] is not None:
                values[price_at] = mapping.get(values[price_at])
            calls.append(tuple(values))
        sql = _insert("llm_calls", _CALL_COLUMNS) + " ON CONFLICT (call_id) DO NOTHING"
        read["llm_calls"], written["llm_calls"] = len(calls), _executemany(shared, sql, calls)

        perf = [
            _exact(r, 5, 6)[:3] + (bool(r[3]),) + _exact(r, 5, 6)[4:]
            for r in _rows(local, "agent_performance", _PERF_COLUMNS, "id")
        ]
        task_ids = sorted({r[1] for r in perf if r[1] is not None})
        have = set(
            shared.execute(
                "SELECT agent_name, task_id, phase, timestamp FROM agent_performance"
                " WHERE task_id = ANY(?) OR task_id IS NULL",
                (task_ids,),
            ).fetchall()
        )
        new = [r for r in perf if (r[0], r[1], r[2], r[8]) not in have]
        read["agent_performance"] = len(perf)
        written["agent_performance"] = _executemany(
            shared, _insert("agent_performance", _PERF_COLUMNS), new
        )

        rows = [_exact(r, 6, 7) for r in _rows(local, "quality_iterations", _QUALITY_COLUMNS, "id")]
        since = min((r[8] for r in rows), default="")
        seen = set(
            shared.execute(
                "SELECT run_id, monitor, iteration, recorded_at FROM quality_iterations"
                " WHERE recorded_at >= ?",
                (since,),
            ).fetchall()
        )
        # A re-recorded iteration replaces the shared one only when it is newer;
        # a NULL run_id never conflicts (NULLs are distinct, as in SQLite).
        updates = ", ".join(f"{c} = excluded.{c}" for c in _QUALITY_COLUMNS[3:])
        sql = (
            _insert("quality_iterations AS q", _QUALITY_COLUMNS)
            + f" ON CONFLICT (run_id, monitor, iteration) DO UPDATE SET {updates}"
            " WHERE q.recorded_at < excluded.recorded_at"
        )
        new = [r for r in rows if (r[0], r[1], r[2], r[8]) not in seen]
        read["quality_iterations"] = len(rows)
        written["quality_iterations"] = _executemany(shared, sql, new)
    return PushResult(read, written)
