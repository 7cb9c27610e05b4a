"""Fleet setup (docs/scaling.md): reading a shared store that is not there, and its SQL in psql."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from pg_support import fresh_schema, record_scenario, server_url, with_schema
from tessera.cli import main
from tessera.store import MetricsStore

# README's "Agent performance report", written so that it runs on both backends
# (docs/scaling.md): PostgreSQL has no ROUND(double precision, integer).
REPORT_SQL = """SELECT
    agent_name,
    COUNT(*) as total_tasks,
    SUM(CASE WHEN success THEN 1 ELSE 0 END) as successes,
    ROUND(CAST(AVG(duration_seconds) AS NUMERIC), 2) as avg_duration,
    ROUND(SUM(cost_usd), 4) as total_cost
FROM agent_performance
GROUP BY agent_name
ORDER BY total_cost DESC"""


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    return [name for (name,) in rows]


@pytest.mark.parametrize("command", [["report"], ["costs", "--by", "day"], ["watch", "--once"]])
def test_reading_an_empty_schema_creates_nothing(
    pg_url: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--db", pg_url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: no Tessera metrics store at postgresql://")
    assert "tessera db migrate" in err and err.count("\n") == 1
    assert tables(pg_url) == []


def test_reading_a_recorded_schema_works(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with MetricsStore(pg_url) as store:
        record_scenario(store)
    assert main(["report", "--db", pg_url]) == 0
    assert "python-expert" in capsys.readouterr().out


def test_a_search_path_naming_no_schema_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    url = with_schema(server_url(), "tessera_no_such_schema")
    assert main(["db", "migrate", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "no schema to create the tables in" in err and "CREATE SCHEMA" in err


def test_the_readme_report_query_runs_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as lite, MetricsStore(pg_url) as pg:
        record_scenario(lite)
        record_scenario(pg)
    with closing(sqlite3.connect(path)) as conn:
        lite_rows = conn.execute(REPORT_SQL).fetchall()
    with psycopg.connect(pg_url) as conn:
        pg_rows = conn.execute(REPORT_SQL).fetchall()
    assert [r[:3] for r in lite_rows] == [r[:3] for r in pg_rows]
    for lite_row, pg_row in zip(lite_rows, pg_rows, strict=True):
        assert all(math.isclose(a, float(b)) for a, b in zip(lite_row[3:], pg_row[3:], strict=True))


def test_pricing_list_of_an_empty_schema_shows_the_builtin_table(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pricing", "list", "--db", pg_url]) == 0
    assert "built-in table only" in capsys.readouterr().out
    assert tables(pg_url) == []
