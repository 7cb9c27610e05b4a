"""The PostgreSQL store: same tables, same API, same results as SQLite, on a real server."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from pg_support import T0, call, everything, fresh_schema, record_scenario
from tessera.errors import StoreError
from tessera.pricing import CostCalculator
from tessera.store import MetricsStore
from tessera.store.postgres import PG_SCHEMA_VERSION, PostgresMetricsStore
from tessera.store.postgres.ledger import PostgresSpendLedger

SEED_AGENTS = """SELECT agent_name, COUNT(*) as tasks,
       SUM(CASE WHEN success THEN 1 ELSE 0 END) as successes
FROM agent_performance GROUP BY agent_name;"""
SEED_COST = "SELECT SUM(cost_usd) FROM agent_performance;"


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def test_same_api_results_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    with MetricsStore(tmp_path / "m.db") as lite, MetricsStore(pg_url) as pg:
        assert isinstance(pg, PostgresMetricsStore)
        record_scenario(lite)
        record_scenario(pg)
        expected, found = everything(lite), everything(pg)
    assert found == expected
    # 0.06 + 0.03 + 0.015 + 0.0025 = 0.1075 over 5 calls, one (c3) unpriced
    assert (found["totals"].calls, found["totals"].cost_usd) == (5, Decimal("0.1075"))
    assert found["totals"].unpriced_calls == 1
    # the first hour holds c1, c2, c4: 0.06 + 0.03 + 0.015
    assert found["spend"] == Decimal("0.105")
    # c5 is the next day: two UTC days
    assert [g.key for g in found["days_utc"]] == ["2026-07-01", "2026-07-02"]
    assert [t.task_id for t in found["failed"]] == []  # t2 ended its last phase completed


def test_seed_sql_gives_the_same_numbers_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as lite, MetricsStore(pg_url) as pg:
        record_scenario(lite)
        record_scenario(pg)
    with closing(sqlite3.connect(path)) as conn:
        lite_agents = sorted(conn.execute(SEED_AGENTS).fetchall())
        (lite_cost,) = conn.execute(SEED_COST).fetchone()
    with psycopg.connect(pg_url) as conn:
        pg_agents = sorted(conn.execute(SEED_AGENTS).fetchall())
        (pg_cost,) = conn.execute(SEED_COST).fetchone()
    # planner: 1 phase, ok; python-expert: impl failed + review ok
    assert lite_agents == pg_agents == [("planner", 1, 1), ("python-expert", 2, 1)]
    # phases cost 0.06 (c1), 0.03 (c2; c3 unpriced), 0.015 (c4): 0.105.
    # PostgreSQL sums an exact NUMERIC; SQLite sums REALs, equal to 1e-12.
    assert pg_cost == Decimal("0.105")
    assert math.isclose(lite_cost, float(pg_cost), rel_tol=1e-12)


def test_a_url_folded_by_path_opens_the_same_store(pg_url: str) -> None:
    with MetricsStore(pg_url) as store:
        store.record_call(call("c1", "0.5"))
    with MetricsStore(Path(pg_url)) as folded:
        assert isinstance(folded, PostgresMetricsStore)
        assert folded.url == pg_url
        assert folded.totals().cost_usd == Decimal("0.5")


def test_repr_hides_the_password() -> None:
    store = MetricsStore("postgresql://alice:s3cret@db.example:5432/metrics")
    assert repr(store) == "MetricsStore('postgresql://alice:***@db.example:5432/metrics')"


def test_a_server_that_does_not_answer_is_a_store_error() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    with (
        MetricsStore("postgresql://nobody@127.0.0.1:1/none") as store,
        pytest.raises(StoreError, match="cannot connect to the PostgreSQL metrics store"),
    ):
        store.totals()


def test_a_failed_write_leaves_nothing_behind(pg_url: str) -> None:
    with MetricsStore(pg_url) as store:
        store.record_call(call("c1", "0.25"))
        with pytest.raises(StoreError, match="duplicate key"):
            store.record_call(call("c1", "0.75"))
        # The store is still usable after the failed transaction.
        store.record_call(call("c2", "0.5"))
        assert store.totals().cost_usd == Decimal("0.75")  # 0.25 + 0.5


def test_a_schema_from_a_newer_tessera_is_refused(pg_url: str) -> None:
    with MetricsStore(pg_url) as store:
        assert isinstance(store, PostgresMetricsStore)
        assert store.schema_version() == PG_SCHEMA_VERSION
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = %s", (PG_SCHEMA_VERSION + 1,))
    with MetricsStore(pg_url) as newer, pytest.raises(StoreError, match="newer Tessera"):
        newer.totals()


def test_prices_sync_once_and_user_rows_are_not_duplicated(pg_url: str) -> None:
    with MetricsStore(pg_url) as first, MetricsStore(pg_url) as second:
        rows = CostCalculator(first).rows()
        assert CostCalculator(second).rows() == rows  # same ids: synced once
        added = CostCalculator(first).add_pricing("house-model", 1.0, 2.0, provider="openai")
        again = CostCalculator(second).add_pricing("house-model", 1.0, 2.0, provider="openai")
        assert added.id is not None and again.id == added.id
        # 1000 input x $1/1k + 500 output x $2/1k = $2.00
        cost = CostCalculator(second).calculate_cost(1000, 500, "house-model", "openai")
        assert cost == 2.0


def test_the_ledger_of_a_postgres_store_is_the_fleet_wide_one(tmp_path: Path, pg_url: str) -> None:
    with MetricsStore(pg_url) as store, MetricsStore(tmp_path / "m.db") as lite:
        assert isinstance(store.ledger(), PostgresSpendLedger)
        assert not isinstance(lite.ledger(), PostgresSpendLedger)


def test_repricing_rewrites_calls_and_totals_on_postgres(tmp_path: Path, pg_url: str) -> None:
    results = []
    for location in (tmp_path / "m.db", pg_url):
        with MetricsStore(location) as store:
            # c1 was recorded unpriced; gpt-4 costs 1000 x $0.03/1k + 500 x $0.06/1k = $0.06.
            store.record_call(call("c1", None, task_id="t1"))
            calculator = CostCalculator(store)
            calculator.rows()
            result = store.reprice_calls(calculator, since=T0 - timedelta(days=1))
            results.append((result.changed, result.cost_after, store.totals().cost_usd))
    assert results[0] == results[1] == (1, Decimal("0.06"), Decimal("0.06"))
