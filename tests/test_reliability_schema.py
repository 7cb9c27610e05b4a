"""Database files Tessera did not just create: corrupt, truncated, newer, older.

A file Tessera cannot use is refused with one clear line and left byte for
byte as it was; an older schema is migrated with every row kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.errors import StoreError
from tessera.store import SCHEMA_VERSION, MetricsStore
from tessera.store.migrations import m001_initial


def _make_db(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def _corrupt(path: Path) -> None:
    _make_db(path, "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    data = bytearray(path.read_bytes())
    # Keep the 100-byte file header; wreck page 1's b-tree header (the schema table).
    data[100:200] = b"\xff" * 100
    path.write_bytes(bytes(data))


def _truncated(path: Path) -> None:
    # A real metrics database cut short, as by a bad copy: header intact, pages missing.
    with MetricsStore(path) as store:
        store.totals()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _newer(path: Path) -> None:
    _make_db(path, "CREATE TABLE llm_calls (call_id TEXT PRIMARY KEY)", "PRAGMA user_version = 99")


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"call_id,cost\nc1,0.5\n" * 100)


CASES: list[tuple[Callable[[Path], None], str]] = [
    (_corrupt, "is corrupt or unreadable"),
    (_truncated, "is corrupt or unreadable"),
    (_newer, f"was written by a newer Tessera (schema 99, this version knows {SCHEMA_VERSION})"),
    (_not_sqlite, "is not an SQLite database"),
]


@pytest.mark.parametrize(("make", "reason"), CASES, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("command", [["report"], ["costs", "--by", "day"], ["calls"], ["tasks"]])
def test_cli_refuses_an_unusable_file_in_one_line_and_leaves_it_untouched(
    tmp_path: Path,
    make: Callable[[Path], None],
    reason: str,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "metrics.db"
    make(path)
    before = path.read_bytes()
    assert main([*command, "--db", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Error: ")
    assert err.count("\n") == 1
    assert str(path) in err
    assert reason in err
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


@pytest.mark.parametrize(("make", "reason"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_store_refuses_to_write_an_unusable_file(
    tmp_path: Path, make: Callable[[Path], None], reason: str
) -> None:
    path = tmp_path / "metrics.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        MetricsStore(path).spend()
    assert path.read_bytes() == before


# One row in every table of schema 1, with every money column filled in.
SCHEMA_1_ROWS = (
    """INSERT INTO runs (run_id, name, started_at, ended_at, status, trace_id)
       VALUES ('run-1', 'old run', '2026-01-05T09:00:00.000Z', '2026-01-05T10:00:00.000Z',
               'completed', 'aa')""",
    """INSERT INTO task_assignments (task_id, description, type, agent_name, assigned_at,
           started_at, completed_at, status, result_summary, phase, run_id, calls, cost_usd,
           cost_pusd)
       VALUES ('t-1', 'write it', 'code', 'python-expert', '2026-01-05T09:00:00.000Z',
               '2026-01-05T09:00:00.000Z', '2026-01-05T09:30:00.000Z', 'completed', 'done',
               'implementation', 'run-1', 2, 0.0125, 12500000000)""",
    """INSERT INTO agent_performance (agent_name, task_id, phase, success, duration_seconds,
           cost_usd, cost_pusd, quality_score, timestamp, run_id, calls)
       VALUES ('python-expert', 't-1', 'implementation', 1, 1800.0, 0.0125, 12500000000, 0.9,
               '2026-01-05T09:30:00.000Z', 'run-1', 2)""",
    """INSERT INTO model_pricing (provider, model_name, prompt_price_per_1k,
           completion_price_per_1k, effective_date, source)
       VALUES ('openai', 'my-finetune', '0.001', '0.002', '2025-01-01', 'user')""",
    """INSERT INTO llm_calls (call_id, task_id, run_id, agent_name, provider, request_model,
           response_model, started_at, input_tokens, output_tokens, usage_reported, cost_usd,
           cost_pusd, cost_status)
       VALUES ('c-1', 't-1', 'run-1', 'python-expert', 'openai', 'gpt-4o', 'gpt-4o',
               '2026-01-05T09:10:00.000Z', 3000, 500, 1, 0.0125, 12500000000, 'priced')""",
    """INSERT INTO llm_calls (call_id, task_id, provider, request_model, started_at,
           usage_reported, cost_status)
       VALUES ('c-2', 't-1', 'openai', 'gpt-4o', '2026-01-05T09:20:00.000Z', 0, 'no_usage')""",
    """INSERT INTO quality_iterations (run_id, monitor, iteration, coverage, quality_score,
           tasks_completed, cost_usd, cost_pusd, recorded_at)
       VALUES ('run-1', 'default', 1, 71.5, 0.62, 3, 0.0125, 12500000000,
               '2026-01-05T09:31:00.000Z')""",
)


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    names = [
        str(row[0])
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(row[0]).startswith("sqlite_")
    ]
    return {name: conn.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall() for name in names}


def test_schema_1_file_is_migrated_with_every_row_of_every_table_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:
        m001_initial(conn)
        for statement in SCHEMA_1_ROWS:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
        before = _tables(conn)
    assert all(before[table] for table in before)

    with MetricsStore(path) as store:
        # 3000 x $2.50/M + 500 x $10/M = $0.0075 + $0.005 = $0.0125
        assert store.spend() == Decimal("0.0125")
        (summary,) = store.agent_summary()
        assert (summary.agent_name, summary.total_cost_usd) == ("python-expert", Decimal("0.0125"))
        assert [c.call_id for c in store.calls()] == ["c-2", "c-1"]
        assert store.integrity_check() == []

    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        after = _tables(conn)
    # Migrations only add: every old table holds exactly the rows it held (later
    # migrations may add columns, empty for old rows).
    for table, rows in before.items():
        width = len(rows[0])
        assert [row[:width] for row in after[table]] == rows, table
        assert all(value is None for row in after[table] for value in row[width:]), table
