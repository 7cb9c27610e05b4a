"""Several processes and threads writing one database file."""

from __future__ import annotations

import gc
import multiprocessing
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tessera.records import CallRecord
from tessera.store import MetricsStore
from tessera.usage import Usage

PROCESSES = 4
CALLS_PER_PROCESS = 200
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def _record(worker: str, index: int) -> CallRecord:
    at = T0 + timedelta(milliseconds=index)
    return CallRecord(
        call_id=f"{worker}-{index}",
        operation_id=f"{worker}-{index}",
        provider="openai",
        started_at=at,
        ended_at=at,
        usage=Usage("openai", "gpt-4", 10, 1, 11, reported=True),
        cost_status="priced",
        cost_usd=Decimal("0.000001"),
        agent_name=worker,
    )


def _write_calls(path: str, worker: str, barrier: Any) -> None:
    # Every process opens the fresh file at the same moment: the migration race too.
    barrier.wait()
    with MetricsStore(path) as store:
        for index in range(CALLS_PER_PROCESS):
            store.record_call(_record(worker, index))


def test_four_processes_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_write_calls, args=(path, f"w{n}", barrier))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    with closing(sqlite3.connect(path)) as conn:
        counts = conn.execute(
            "SELECT agent_name, COUNT(*) FROM llm_calls GROUP BY agent_name ORDER BY agent_name"
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert counts == [(f"w{n}", CALLS_PER_PROCESS) for n in range(PROCESSES)]
    with MetricsStore(path) as store:
        totals = store.totals()
    # 4 x 200 = 800 calls of $0.000001 each = $0.0008 exactly
    assert (totals.calls, totals.cost_usd) == (800, Decimal("0.0008"))


def test_threads_share_a_store_with_a_connection_each(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with MetricsStore(tmp_path / "m.db") as store:

        def work(worker: str) -> None:
            try:
                for index in range(50):
                    store.record_call(_record(worker, index))
            except BaseException as exc:  # reported below, a thread cannot fail the test
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # 4 threads x 50 calls
        assert (errors, store.totals().calls) == ([], 200)
        assert store.integrity_check() == []


def test_a_threads_connection_is_closed_when_the_thread_ends(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.totals()
        threads = [threading.Thread(target=store.totals) for _ in range(5)]
        for thread in threads:
            thread.start()
            thread.join()
        gc.collect()
        # Five finished threads leave only the main thread's connection open.
        assert len(store._connections._opened) == 1


def _record_in_child(store: MetricsStore) -> None:
    store.record_call(_record("child", 0))


def test_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.record_call(_record("parent", 0))
        child = multiprocessing.get_context("fork").Process(target=_record_in_child, args=(store,))
        child.start()
        child.join(timeout=60)
        # The parent's connection still works after the child finished with the file.
        store.record_call(_record("parent", 1))
        assert child.exitcode == 0
        assert sorted(c.call_id for c in store.calls()) == ["child-0", "parent-0", "parent-1"]
        assert store.integrity_check() == []
