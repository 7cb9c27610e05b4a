"""``MetricsStore.import_database``: another Tessera file's history, copied inside SQLite."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pg_support import T0, call, everything, record_scenario
from tessera.errors import StoreError
from tessera.pricing import CostCalculator
from tessera.records import TaskEnd, TaskStart
from tessera.store import SCHEMA_VERSION, MetricsStore


def test_an_import_gives_the_same_answers_and_twice_adds_nothing(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "host.db") as host, MetricsStore(tmp_path / "main.db") as main:
        record_scenario(host)
        first = main.import_database(host.path)
        second = main.import_database(host.path)
        assert everything(main) == everything(host)
    # 1 run, 2 tasks, 5 calls, 3 phases, 1 iteration; no price row was used
    tables = ("runs", "task_assignments", "llm_calls", "agent_performance", "quality_iterations")
    assert {t: first.written[t] for t in tables} == {
        "runs": 1,
        "task_assignments": 2,
        "llm_calls": 5,
        "agent_performance": 3,
        "quality_iterations": 1,
    }
    assert first.total_written == 12  # 1 + 2 + 5 + 3 + 1
    assert second.total_written == 0
    assert second.read["llm_calls"] == 5


def test_two_hosts_import_into_one_store(tmp_path: Path) -> None:
    with (
        MetricsStore(tmp_path / "a.db") as host_a,
        MetricsStore(tmp_path / "b.db") as host_b,
        MetricsStore(tmp_path / "main.db") as main,
    ):
        host_a.record_call(call("a-1", "0.25", agent="alpha"))
        host_b.record_call(call("b-1", "0.5", agent="beta"))
        host_b.record_call(call("b-2", "0.125", agent="beta"))
        main.import_database(host_a.path)
        main.import_database(str(host_b.path))
        main.import_database(host_a.path)
        totals = main.totals()
    # 0.25 + 0.5 + 0.125 = 0.875 over three distinct calls
    assert (totals.calls, totals.cost_usd) == (3, Decimal("0.875"))


def test_a_task_finished_after_an_import_is_brought_up_to_date(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "host.db") as host, MetricsStore(tmp_path / "main.db") as main:
        host.start_task(TaskStart("t1", "coder", T0, phase="impl"))
        host.record_call(call("c1", "0.5", task_id="t1", at=T0 + timedelta(seconds=1)))
        main.import_database(host.path)
        assert [t.status for t in main.tasks()] == ["running"]
        host.record_call(call("c2", "0.25", task_id="t1", at=T0 + timedelta(seconds=2)))
        host.finish_task(TaskEnd("t1", "coder", "impl", None, T0, T0 + timedelta(seconds=5), True))
        second = main.import_database(host.path)
        third = main.import_database(host.path)
        [task] = main.tasks()
    # the task row updated, one new call, one new phase
    assert second.written["task_assignments"] == 1
    assert (second.written["llm_calls"], second.written["agent_performance"]) == (1, 1)
    assert third.total_written == 0
    # 0.5 + 0.25
    assert (task.status, task.calls, task.cost_usd) == ("completed", 2, Decimal("0.75"))


def test_calls_keep_the_price_row_that_priced_them(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "host.db") as host, MetricsStore(tmp_path / "main.db") as main:
        # This store already holds another user row, so the ids differ between stores.
        CostCalculator(main).add_pricing("other-model", 9, 9, provider="openai")
        row = CostCalculator(host).add_pricing("house-model", 1, 2, provider="openai")
        record = call("c1", "2", model="house-model")
        host.record_call(dataclasses.replace(record, pricing_id=row.id))
        main.import_database(host.path)
        main.import_database(host.path)
        [imported] = main.calls()
        rows = {r.id: r for r in main.price_rows() if r.source == "user"}
    assert imported.pricing_id in rows
    assert imported.pricing_id != row.id
    assert rows[imported.pricing_id].model_name == "house-model"
    # the two user rows, each once
    assert sorted(r.model_name for r in rows.values()) == ["house-model", "other-model"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"not a database at all, just text" * 40), "not an SQLite"),
        (lambda p: _sql(p, "CREATE TABLE notes (x)", "PRAGMA user_version = 0"), "not a Tessera"),
        (
            lambda p: _sql(p, "CREATE TABLE llm_calls (call_id TEXT)", "PRAGMA user_version = 99"),
            re.escape(f"newer Tessera (schema 99, this version knows {SCHEMA_VERSION})"),
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_and_left_alone(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    source = tmp_path / "other.db"
    make(source)
    before = source.read_bytes() if source.exists() else None
    with MetricsStore(tmp_path / "main.db") as main, pytest.raises(StoreError, match=message):
        main.import_database(source)
    assert (source.read_bytes() if source.exists() else None) == before


def test_a_store_cannot_import_itself(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "main.db") as main:
        main.record_call(call("c1", "0.5"))
        with pytest.raises(StoreError, match="into itself"):
            main.import_database(tmp_path / "main.db")
        assert main.totals().calls == 1


def _sql(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
