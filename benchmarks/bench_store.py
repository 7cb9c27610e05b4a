"""Store cost: recording calls into SQLite and into PostgreSQL, and bulk ingest by ``db push``.

Run: ``.venv/bin/python benchmarks/bench_store.py [--calls N] [--runs R] [--pg URL]``

Figures, each the median of R runs in this one process and the same run:

1. recording path: ``MetricsStore.record_call``, one transaction per call (what
   the runtime does after every model call), in calls per second and
   milliseconds per call, for an SQLite file and for a PostgreSQL store;
2. bulk ingest: ``tessera db push`` of an SQLite file of N calls (N/10 tasks
   with their phases) into an empty PostgreSQL schema, in calls per second.

The PostgreSQL server is ``--pg`` (default ``$TESSERA_TEST_PG_URL``, else
``postgresql://postgres@127.0.0.1:5432/test``); each run uses a fresh schema,
dropped afterwards. Over loopback, so network latency is not in the figures:
a server across a network adds one round trip per statement.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from tessera.records import CallRecord, TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.store.postgres import PostgresMetricsStore
from tessera.usage import Usage

T0 = datetime(2026, 7, 1, tzinfo=UTC)


def _call(index: int, task_id: str | None = None) -> CallRecord:
    at = T0 + timedelta(milliseconds=index)
    return CallRecord(
        call_id=f"call-{index}",
        operation_id=f"op-{index}",
        provider="openai",
        started_at=at,
        ended_at=at + timedelta(milliseconds=800),
        usage=Usage("openai", "gpt-4o", 1850, 420, 2270, reported=True),
        cost_status="priced",
        cost_usd=Decimal("0.008825"),
        task_id=task_id,
        agent_name="python-expert",
        request_model="gpt-4o",
    )


@contextmanager
def _schema(base: str) -> Iterator[str]:
    name = f"tessera_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{name}"')
        try:
            joiner = "&" if "?" in base else "?"
            yield f"{base}{joiner}options=-csearch_path%3D{name}"
        finally:
            admin.execute(f'DROP SCHEMA "{name}" CASCADE')


def _record(store: MetricsStore, calls: int) -> float:
    """Seconds per recorded call, the store already open and migrated."""
    store.totals()
    started = time.perf_counter()
    for index in range(calls):
        store.record_call(_call(index))
    return (time.perf_counter() - started) / calls


def _sqlite_record(calls: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, MetricsStore(Path(tmp) / "m.db") as store:
        return _record(store, calls)


def _pg_record(base: str, calls: int) -> float:
    with _schema(base) as url, MetricsStore(url) as store:
        return _record(store, calls)


def _history(path: Path, calls: int) -> None:
    """An SQLite file of ``calls`` calls in tasks of ten, each task one finished phase."""
    with MetricsStore(path) as store:
        for first in range(0, calls, 10):
            task_id = f"task-{first // 10}"
            start = T0 + timedelta(milliseconds=first)
            store.start_task(TaskStart(task_id, "python-expert", start, phase="impl"))
            for index in range(first, min(first + 10, calls)):
                store.record_call(_call(index, task_id))
            end = start + timedelta(seconds=5)
            store.finish_task(TaskEnd(task_id, "python-expert", "impl", None, start, end, True))


def _push(base: str, path: Path, calls: int) -> float:
    """Seconds per call to push the file into an empty schema."""
    with _schema(base) as url, MetricsStore(url) as shared, MetricsStore(path) as local:
        assert isinstance(shared, PostgresMetricsStore)
        shared.totals()
        started = time.perf_counter()
        result = shared.push_from(local)
        elapsed = time.perf_counter() - started
        assert result.written["llm_calls"] == calls
        return elapsed / calls


def _median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    default_pg = (
        os.environ.get("TESSERA_TEST_PG_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--pg", default=default_pg)
    args = parser.parse_args()
    with psycopg.connect(args.pg) as conn:
        server = conn.execute("SHOW server_version").fetchone()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {server[0] if server else '?'} on loopback"
    )
    print(f"{args.calls} calls, median of {args.runs} runs")
    for name, measure in (
        ("record_call, SQLite file", lambda: _sqlite_record(args.calls)),
        ("record_call, PostgreSQL", lambda: _pg_record(args.pg, args.calls)),
    ):
        seconds = _median(args.runs, measure)
        print(f"  {name:<28} {1 / seconds:>10,.0f} calls/s  {seconds * 1000:.3f} ms/call")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        _history(path, args.calls)
        seconds = _median(args.runs, lambda: _push(args.pg, path, args.calls))
        name = "db push into PostgreSQL"
        print(f"  {name:<28} {1 / seconds:>10,.0f} calls/s  ({args.calls / 10:.0f} tasks too)")


if __name__ == "__main__":
    main()
