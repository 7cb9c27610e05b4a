"""``tessera db push``: a host's SQLite history into the shared store, idempotently."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from pg_support import T0, call, everything, fresh_schema, record_scenario
from tessera.cli import cli
from tessera.pricing import CostCalculator
from tessera.records import TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.store.postgres import PG_SCHEMA_VERSION, PostgresMetricsStore

TABLES = (
    "runs",
    "task_assignments",
    "llm_calls",
    "agent_performance",
    "quality_iterations",
    "model_pricing",
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def shared(url: str) -> PostgresMetricsStore:
    store = MetricsStore(url)
    assert isinstance(store, PostgresMetricsStore)
    return store


def test_pushing_twice_adds_nothing_the_second_time(tmp_path: Path, pg_url: str) -> None:
    with MetricsStore(tmp_path / "host.db") as local, shared(pg_url) as pg:
        record_scenario(local)
        first = pg.push_from(local)
        after_first = counts(pg_url)
        second = pg.push_from(local)
        assert counts(pg_url) == after_first
        assert everything(pg) == everything(local)
    # 1 run, 2 tasks, 5 calls, 3 phases, 1 iteration; no price row was used
    assert {t: after_first[t] for t in TABLES[:5]} == {
        "runs": 1,
        "task_assignments": 2,
        "llm_calls": 5,
        "agent_performance": 3,
        "quality_iterations": 1,
    }
    assert first.total_written == 12  # 1 + 2 + 5 + 3 + 1
    assert second.total_written == 0


def test_two_hosts_push_into_one_store(tmp_path: Path, pg_url: str) -> None:
    with (
        MetricsStore(tmp_path / "a.db") as host_a,
        MetricsStore(tmp_path / "b.db") as host_b,
        shared(pg_url) as pg,
    ):
        host_a.record_call(call("a-1", "0.25", agent="alpha"))
        host_b.record_call(call("b-1", "0.5", agent="beta"))
        host_b.record_call(call("b-2", "0.125", agent="beta"))
        pg.push_from(host_a)
        pg.push_from(host_b)
        pg.push_from(host_a)
        totals = pg.totals()
    # 0.25 + 0.5 + 0.125 = 0.875 over three distinct calls
    assert (totals.calls, totals.cost_usd) == (3, Decimal("0.875"))


def test_a_task_finished_after_a_push_is_brought_up_to_date(tmp_path: Path, pg_url: str) -> None:
    with MetricsStore(tmp_path / "host.db") as local, shared(pg_url) as pg:
        local.start_task(TaskStart("t1", "coder", T0, phase="impl"))
        local.record_call(call("c1", "0.5", task_id="t1", at=T0 + timedelta(seconds=1)))
        pg.push_from(local)
        assert [t.status for t in pg.tasks()] == ["running"]
        local.record_call(call("c2", "0.25", task_id="t1", at=T0 + timedelta(seconds=2)))
        local.finish_task(TaskEnd("t1", "coder", "impl", None, T0, T0 + timedelta(seconds=5), True))
        second = pg.push_from(local)
        third = pg.push_from(local)
        [task] = pg.tasks()
    # the task row updated, one new call, one new phase
    assert second.written["task_assignments"] == 1
    assert (second.written["llm_calls"], second.written["agent_performance"]) == (1, 1)
    assert third.total_written == 0
    # 0.5 + 0.25
    assert (task.status, task.calls, task.cost_usd) == ("completed", 2, Decimal("0.75"))


def test_calls_keep_the_price_row_that_priced_them(tmp_path: Path, pg_url: str) -> None:
    with MetricsStore(tmp_path / "host.db") as local, shared(pg_url) as pg:
        # The shared store already holds other user rows, so ids differ between stores.
        CostCalculator(pg).add_pricing("other-model", 9, 9, provider="openai")
        row = CostCalculator(local).add_pricing("house-model", 1, 2, provider="openai")
        record = call("c1", "2", model="house-model")
        local.record_call(dataclasses.replace(record, pricing_id=row.id))
        pg.push_from(local)
        pg.push_from(local)
        [pushed] = pg.calls()
        rows = {r.id: r for r in pg.price_rows() if r.source == "user"}
    assert pushed.pricing_id in rows
    assert pushed.pricing_id != row.id
    assert rows[pushed.pricing_id].model_name == "house-model"
    # the two user rows, each once
    assert sorted(r.model_name for r in rows.values()) == ["house-model", "other-model"]


def test_db_push_command_twice(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "host.db"
    with MetricsStore(path) as local:
        record_scenario(local)
    runner = CliRunner()
    first = runner.invoke(cli, ["db", "push", "--to", pg_url, "--db", str(path), "--json"])
    second = runner.invoke(cli, ["db", "push", "--to", pg_url, "--db", str(path), "--json"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert json.loads(first.output)["written"]["llm_calls"] == 5
    assert set(json.loads(second.output)["written"].values()) == {0}
    assert counts(pg_url)["llm_calls"] == 5


def test_db_push_refuses_a_target_that_is_not_postgres(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "push", "--to", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "expected a postgresql:// URL" in result.output


def test_db_migrate_prepares_a_postgres_store(pg_url: str) -> None:
    result = CliRunner().invoke(cli, ["db", "migrate", "--db", pg_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SELECT version FROM schema_version").fetchone()
    assert version == (PG_SCHEMA_VERSION,)
