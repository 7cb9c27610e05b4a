"""A call recorded after its task ended still counts in the task's totals."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from tessera.demo import recordings as rec
from tessera.runtime.observer import Observer
from tessera.runtime.scopes import current_task


def test_a_call_recorded_after_the_task_ended_is_folded_in(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    late: list[threading.Thread] = []
    with observer.task("t1", agent_name="a", phase="p1"):
        # gpt-4o-mini 0.15 / 0.60: 1,000×0.15 + 500×0.60 = 450 → $0.00045.
        observer.record(rec.openai_chat("gpt-4o-mini", "x", 1000, 500, response_id="r1"), "openai")
        scope = current_task.get()

        def callback_thread() -> None:
            # What LiteLLM does: its success callback runs on a worker thread, in the
            # caller's context, after completion() returned and the block has closed.
            token = current_task.set(scope)
            try:
                gate.wait()
                # 2,000×0.15 + 1,000×0.60 = 900 → $0.0009.
                observer.record(
                    rec.openai_chat("gpt-4o-mini", "y", 2000, 1000, response_id="r2"), "openai"
                )
            finally:
                current_task.reset(token)

        gate = threading.Event()
        late.append(threading.Thread(target=callback_thread))
        late[0].start()
    gate.set()  # the task has ended; now the late call is recorded
    late[0].join()
    observer.shutdown()
    with sqlite3.connect(db) as conn:
        task = conn.execute(
            "SELECT calls, input_tokens, cost_pusd FROM task_assignments WHERE task_id = 't1'"
        ).fetchone()
        perf = conn.execute(
            "SELECT calls, cost_pusd FROM agent_performance WHERE task_id = 't1'"
        ).fetchone()
        (seed_total,) = conn.execute("SELECT SUM(cost_usd) FROM agent_performance").fetchone()
    # Both calls: 1,000 + 2,000 input tokens; $0.00045 + $0.0009 = $0.00135.
    assert task == (2, 3000, 1_350_000_000)
    assert perf == (2, 1_350_000_000)
    assert round(seed_total, 8) == 0.00135


def test_a_late_call_goes_to_the_phase_it_started_in(tmp_path: Path) -> None:
    from datetime import timedelta

    from tessera.records import CallRecord
    from tessera.usage import Usage

    db = tmp_path / "m.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    # Each phase lasts 20 ms, well beyond the 1 ms rounding of stored phase starts.
    with observer.task("t1", agent_name="a", phase="first") as first:
        time.sleep(0.02)
    with observer.task("t1", agent_name="a", phase="second"):
        time.sleep(0.02)
    observer.shutdown()
    assert observer.store is not None
    # A call that started during the first phase arrives after both ended: $0.25.
    usage = Usage(
        provider="openai",
        model="gpt-4o",
        input_tokens=1,
        output_tokens=1,
        total_tokens=2,
        reported=True,
    )
    from decimal import Decimal

    when = first.started_at + timedelta(microseconds=500)
    store = type(observer.store)(db)
    store.record_call(
        CallRecord(
            call_id="late",
            operation_id="late",
            provider="openai",
            started_at=when,
            ended_at=when,
            usage=usage,
            cost_status="priced",
            cost_usd=Decimal("0.25"),
            task_id="t1",
        )
    )
    store.close()
    with sqlite3.connect(db) as conn:
        phases = conn.execute(
            "SELECT phase, calls, cost_pusd FROM agent_performance ORDER BY id"
        ).fetchall()
    assert phases == [("first", 1, 250_000_000_000), ("second", 0, 0)]
