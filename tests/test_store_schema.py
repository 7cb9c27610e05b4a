"""The metrics database file: schema, permissions, WAL, refusals, migrations."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.errors import StoreError
from tessera.records import RunRecord
from tessera.store import SCHEMA_VERSION, MetricsStore
from tessera.store.migrations import MIGRATIONS, migrate

SEED_COLUMNS = {
    "task_assignments": {
        "task_id",
        "description",
        "type",
        "agent_name",
        "assigned_at",
        "started_at",
        "completed_at",
        "status",
        "result_summary",
        "error_message",
    },
    "agent_performance": {
        "agent_name",
        "task_id",
        "phase",
        "success",
        "duration_seconds",
        "cost_usd",
        "quality_score",
        "timestamp",
    },
    "model_pricing": {
        "provider",
        "model_name",
        "model_pattern",
        "prompt_price_per_1k",
        "completion_price_per_1k",
        "effective_date",
        "deprecated_date",
    },
    # DESIGN §7's list for llm_calls.
    "llm_calls": {
        "call_id",
        "task_id",
        "operation_id",
        "trace_id",
        "span_id",
        "agent_name",
        "provider",
        "request_model",
        "response_model",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
        "usage_reported",
        "cost_usd",
        "cost_status",
        "pricing_id",
        "duration_ms",
        "stream",
        "status",
        "error_type",
        "raw_usage",
    },
    "quality_iterations": {"run_id", "iteration", "coverage", "quality_score", "tasks_completed"},
    "runs": {"run_id", "name", "started_at", "ended_at", "status", "trace_id"},
}


def _sql(path: Path, *statements: str) -> list[list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return [conn.execute(statement).fetchall() for statement in statements]


def _columns(path: Path, table: str) -> set[str]:
    return {str(row[1]) for row in _sql(path, f"PRAGMA table_info({table})")[0]}


def test_fresh_database_has_every_table_seed_column_and_view(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as store:
        store.totals()
    for table, expected in SEED_COLUMNS.items():
        assert expected <= _columns(path, table), table
    view_rows, version_rows = _sql(
        path, "SELECT name FROM sqlite_master WHERE type = 'view'", "PRAGMA user_version"
    )
    views = {row[0] for row in view_rows}
    version = version_rows[0][0]
    assert views == {"agent_summary", "daily_cost", "unpriced_models"}
    # One migration (m001_initial) exists, so the file is at schema 1.
    assert version == SCHEMA_VERSION == len(MIGRATIONS) == 3


def test_default_path_is_private_and_in_wal_mode(isolated_data_dir: Path) -> None:
    old_umask = os.umask(0)  # without explicit modes, files would come out 0666/0777
    try:
        with MetricsStore() as store:
            store.start_run(RunRecord("r1", "demo", datetime(2026, 1, 2, tzinfo=UTC)))
            assert store.path == isolated_data_dir / "metrics.db"
            modes = {
                name: stat.S_IMODE(os.stat(isolated_data_dir / name).st_mode)
                for name in ("metrics.db", "metrics.db-wal", "metrics.db-shm")
            }
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(isolated_data_dir).st_mode) == 0o700
    assert modes == {"metrics.db": 0o600, "metrics.db-wal": 0o600, "metrics.db-shm": 0o600}
    assert _sql(isolated_data_dir / "metrics.db", "PRAGMA journal_mode") == [[("wal",)]]


def test_constructor_does_not_touch_the_file(tmp_path: Path) -> None:
    path = tmp_path / "later" / "m.db"
    store = MetricsStore(path)
    assert not path.parent.exists()
    store.totals()
    assert path.exists()
    store.close()


def test_non_sqlite_file_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    content = b"these are my notes, not a database\n" * 50
    path.write_bytes(content)
    with pytest.raises(StoreError, match=r"notes\.db is not an SQLite database"):
        MetricsStore(path).totals()
    assert path.read_bytes() == content
    assert not Path(f"{path}-wal").exists()


def test_newer_schema_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    _sql(path, "CREATE TABLE llm_calls (call_id TEXT PRIMARY KEY)", "PRAGMA user_version = 999")
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        MetricsStore(path).totals()
    message = str(caught.value)
    assert "future.db" in message
    assert "newer Tessera (schema 999, this version knows 3); upgrade tessera" in message
    assert "\n" not in message
    assert path.read_bytes() == before


def test_corrupt_file_is_reported_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    _sql(path, "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    data = bytearray(path.read_bytes())
    # Keep the 100-byte file header, wreck page 1's b-tree header (the schema table).
    data[100:200] = b"\xff" * 100
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"broken\.db is corrupt"):
        MetricsStore(path).totals()
    assert path.read_bytes() == bytes(data)


def test_reopening_applies_no_migration_again(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as store:
        store.start_run(RunRecord("r1", "demo", datetime(2026, 1, 2, tzinfo=UTC)))
    with MetricsStore(path) as store:
        assert store.totals().calls == 0
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # Already at the latest version: nothing pending.
        assert migrate(conn, path, SCHEMA_VERSION) == 0
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    finally:
        conn.close()


def test_migration_runs_from_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, path, 0) == 3
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        # A second process that read version 0 before the first one committed
        # re-reads it under the lock and applies nothing.
        assert migrate(conn, path, 0) == 0
    finally:
        conn.close()


def test_close_then_reuse_reopens(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path / "m.db")
    store.start_run(RunRecord("r1", "demo", datetime(2026, 1, 2, tzinfo=UTC)))
    store.close()
    store.start_run(RunRecord("r2", "demo", datetime(2026, 1, 3, tzinfo=UTC)))
    assert store.integrity_check() == []
    store.close()
    assert _sql(tmp_path / "m.db", "SELECT COUNT(*) FROM runs") == [[(2,)]]


def test_schema_1_file_is_migrated_with_every_row_kept(tmp_path: Path) -> None:

    from tessera.store import MetricsStore
    from tessera.store.migrations import m001_initial

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    m001_initial(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO agent_performance (agent_name, task_id, success, cost_usd, cost_pusd, "
        "timestamp) VALUES ('old-agent', 't0', 1, 0.5, 500000000000, '2026-01-01T00:00:00.000Z')"
    )
    conn.commit()
    conn.close()
    with MetricsStore(path) as store:
        summary = store.agent_summary()
    assert [(s.agent_name, s.total_cost_usd) for s in summary] == [("old-agent", Decimal("0.5"))]
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == 3
    tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"cost_reservations", "limit_crossings"} <= tables
    check.close()
