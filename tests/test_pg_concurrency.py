"""Many processes on one PostgreSQL store: nothing lost, and hard limits hold across them."""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pg_support import T0, call, fresh_schema
from tessera.records import TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.store.limits import Budget

PROCESSES = 8
TASKS_PER_PROCESS = 5
CALLS_PER_TASK = 10
CALL_COST = Decimal("0.000123")


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def _record_tasks(url: str, worker: str, barrier: Any) -> None:
    # Every process opens the fresh schema at the same moment: the migration race too.
    barrier.wait()
    with MetricsStore(url) as store:
        for t in range(TASKS_PER_PROCESS):
            task_id = f"{worker}-t{t}"
            start = T0 + timedelta(minutes=t)
            store.start_task(TaskStart(task_id, worker, start, phase="work"))
            for n in range(CALLS_PER_TASK):
                at = start + timedelta(milliseconds=n)
                store.record_call(call(f"{task_id}-c{n}", str(CALL_COST), task_id=task_id, at=at))
            end = start + timedelta(seconds=30)
            store.finish_task(TaskEnd(task_id, worker, "work", None, start, end, t % 2 == 0))


def test_eight_processes_recording_at_once_lose_nothing(pg_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_record_tasks, args=(pg_url, f"w{n}", barrier))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    with psycopg.connect(pg_url) as conn:
        per_agent = conn.execute(
            "SELECT t.agent_name, COUNT(*) FROM llm_calls c "
            "JOIN task_assignments t ON t.task_id = c.task_id GROUP BY 1 ORDER BY 1"
        ).fetchall()
        perf = conn.execute(
            "SELECT COUNT(*), SUM(CASE WHEN success THEN 1 ELSE 0 END), SUM(cost_usd) "
            "FROM agent_performance"
        ).fetchone()
    # 5 tasks x 10 calls = 50 calls per process
    assert per_agent == [(f"w{n}", 50) for n in range(PROCESSES)]
    # 8 x 5 = 40 phases; tasks 0, 2, 4 succeed: 8 x 3 = 24; 400 x $0.000123 = $0.0492
    assert perf == (40, 24, Decimal("0.0492"))
    with MetricsStore(pg_url) as store:
        totals = store.totals()
        summary = store.agent_summary()
    assert (totals.calls, totals.tasks, totals.cost_usd) == (400, 40, Decimal("0.0492"))
    # each agent: 5 phases x 10 calls x $0.000123 = $0.00615
    assert {(s.agent_name, s.tasks, s.total_cost_usd) for s in summary} == {
        (f"w{n}", 5, Decimal("0.00615")) for n in range(PROCESSES)
    }


CAP = Decimal("1.00")
COST = Decimal("0.15")
THREADS_PER_PROCESS = 5


def _spend_under_cap(url: str, worker: str, barrier: Any) -> None:
    """Five threads each try one call of $0.15 against the task's $1.00 hard cap."""
    budget = Budget("per_task.max_usd", CAP, task_id="shared-task")
    with MetricsStore(url) as store:
        ledger = store.ledger()
        store.totals()  # connect and migrate before the race starts

        def one(index: int) -> None:
            call_id = f"{worker}-{index}"
            barrier.wait()
            refused = ledger.admit(
                [budget],
                call_id=call_id,
                task_id="shared-task",
                estimate_usd=COST,
                now=datetime.now(UTC),
            )
            if refused is not None:
                return
            # The request is in flight: other admissions must count its reservation.
            time.sleep(random.uniform(0.0, 0.05))
            store.record_call(call(call_id, str(COST), task_id="shared-task"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(THREADS_PER_PROCESS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def test_a_hard_cap_admits_exactly_what_fits_across_processes(pg_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2 * THREADS_PER_PROCESS)
    workers = [
        context.Process(target=_spend_under_cap, args=(pg_url, f"p{n}", barrier)) for n in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with MetricsStore(pg_url) as store:
        spent = store.task_spend("shared-task")
        calls = store.calls("shared-task")
        reserved = store.ledger().reserved(datetime.now(UTC))
    # $1.00 / $0.15 = 6.67: six calls fit ($0.90), the seventh would reach $1.05
    assert len(calls) == 6
    assert spent == Decimal("0.90")
    assert reserved == 0  # every admitted call's reservation became its real cost
