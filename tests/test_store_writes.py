"""Writing runs, tasks and calls, and what the seed's SQL reads back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.errors import StoreError
from tessera.records import CallRecord, CostStatus, RunRecord, TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.usage import Usage

T0 = datetime(2026, 12, 3, 15, 34, 6, 123456, tzinfo=UTC)


def _call(
    call_id: str,
    at: datetime,
    cost: str | None,
    *,
    task_id: str | None = "t1",
    status: CostStatus | None = None,
    tokens: tuple[int, int] = (100, 50),
    agent: str = "python-expert",
    run_id: str | None = None,
) -> CallRecord:
    usage = Usage("openai", "gpt-4", tokens[0], tokens[1], sum(tokens), reported=True)
    return CallRecord(
        call_id=call_id,
        operation_id=f"op-{call_id}",
        provider="openai",
        started_at=at,
        ended_at=at + timedelta(milliseconds=250),
        usage=usage,
        cost_status=status or ("priced" if cost is not None else "unpriced"),
        cost_usd=None if cost is None else Decimal(cost),
        task_id=task_id,
        agent_name=agent,
        run_id=run_id,
        request_model="gpt-4",
    )


def _query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def _task(
    store: MetricsStore,
    task_id: str,
    agent: str,
    start: datetime,
    seconds: float,
    ok: bool,
    cost: str,
) -> None:
    store.start_task(TaskStart(task_id, agent, start, phase="implementation"))
    store.record_call(_call(f"{task_id}-c", start + timedelta(seconds=1), cost, task_id=task_id))
    store.finish_task(
        TaskEnd(
            task_id,
            agent,
            "implementation",
            None,
            start,
            start + timedelta(seconds=seconds),
            ok,
            None if ok else "boom",
        )
    )


def test_seed_queries_give_the_worked_out_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as store:
        # gpt-4: 1000 x $0.03/1k + 500 x $0.06/1k = 0.06
        _task(store, "a", "python-expert", T0, 10, True, "0.06")
        # 200 x 0.03/1k + 75 x 0.06/1k = 0.006 + 0.0045 = 0.0105
        _task(store, "b", "python-expert", T0 + timedelta(minutes=1), 20, False, "0.0105")
        # claude-sonnet-4: 2500 x 0.003/1k + 1000 x 0.015/1k = 0.0075 + 0.015 = 0.0225
        _task(store, "c", "reviewer", T0 + timedelta(minutes=2), 5, True, "0.0225")
    rows = _query(
        path,
        """SELECT agent_name, COUNT(*) as tasks,
       SUM(CASE WHEN success THEN 1 ELSE 0 END) as successes
FROM agent_performance GROUP BY agent_name;""",
    )
    assert sorted(rows) == [("python-expert", 2, 1), ("reviewer", 1, 1)]
    # 0.06 + 0.0105 + 0.0225 = 0.093
    [(total,)] = _query(path, "SELECT SUM(cost_usd) FROM agent_performance;")
    assert total == pytest.approx(0.093, abs=1e-12)
    report = _query(
        path,
        """SELECT
    agent_name,
    COUNT(*) as total_tasks,
    SUM(CASE WHEN success THEN 1 ELSE 0 END) as successes,
    ROUND(AVG(duration_seconds), 2) as avg_duration,
    ROUND(SUM(cost_usd), 4) as total_cost
FROM agent_performance
GROUP BY agent_name
ORDER BY total_cost DESC;""",
    )
    # python-expert: (10 + 20) / 2 = 15 s, 0.06 + 0.0105 = 0.0705
    assert report == [("python-expert", 2, 1, 15.0, 0.0705), ("reviewer", 1, 1, 5.0, 0.0225)]


def test_finish_task_sums_the_phase_exactly(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.start_task(TaskStart("t1", "python-expert", T0, phase="plan"))
        store.record_call(_call("early", T0 + timedelta(seconds=1), "5"))
        phase_start = T0 + timedelta(minutes=5)
        store.start_task(TaskStart("t1", "python-expert", phase_start, phase="implementation"))
        store.record_call(_call("c1", phase_start, "0.000001", tokens=(10, 1)))
        store.record_call(_call("c2", phase_start + timedelta(seconds=2), "0.1", tokens=(20, 2)))
        store.record_call(_call("c3", phase_start + timedelta(seconds=3), None, tokens=(30, 3)))
        store.record_call(_call("other", phase_start, "7", task_id="t2"))
        end = phase_start + timedelta(seconds=90, milliseconds=500)
        totals = store.finish_task(
            TaskEnd(
                "t1",
                "python-expert",
                "implementation",
                None,
                phase_start,
                end,
                True,
                result_summary="done",
                quality_score=0.9,
            )
        )
        task = store.tasks()[0]
    # 0.000001 + 0.1 + (unpriced) = 0.100001 exactly; tokens 10+20+30 and 1+2+3.
    assert totals.cost_usd == Decimal("0.100001")
    assert (totals.calls, totals.unpriced_calls) == (3, 1)
    assert (totals.input_tokens, totals.output_tokens) == (60, 6)
    assert totals.duration_seconds == 90.5
    # The task row covers every call of the task: 5 + 0.100001, 4 calls.
    assert task.cost_usd == Decimal("5.100001")
    assert (task.calls, task.status, task.result_summary, task.quality_score) == (
        4,
        "completed",
        "done",
        0.9,
    )
    rows = _query(
        tmp_path / "m.db",
        "SELECT cost_pusd, cost_usd, calls, unpriced_calls, duration_seconds, success "
        "FROM agent_performance",
    )
    # 0.100001 USD x 10^12 = 100,001,000,000 picodollars
    assert rows == [(100_001_000_000, 0.100001, 3, 1, 90.5, 1)]


def test_task_started_again_goes_back_to_running(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.start_task(TaskStart("t1", "coder", T0, description="fix bug", phase="plan"))
        store.finish_task(
            TaskEnd("t1", "coder", "plan", None, T0, T0 + timedelta(seconds=3), False, "timeout")
        )
        failed = store.tasks(status="failed")
        retry_at = T0 + timedelta(minutes=1)
        store.start_task(TaskStart("t1", "coder", retry_at, phase="retry"))
        [task] = store.tasks()
    assert [t.error_message for t in failed] == ["timeout"]
    assert (task.status, task.phase, task.completed_at, task.error_message) == (
        "running",
        "retry",
        None,
        None,
    )
    assert task.started_at == retry_at.replace(microsecond=123000)  # ms kept, µs dropped
    # The first start's description and assignment time are kept.
    assert (task.description, task.assigned_at) == ("fix bug", T0.replace(microsecond=123000))


def test_times_are_iso_utc_text_with_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as store:
        store.start_run(RunRecord("r1", "demo", T0))
        store.finish_run("r1", T0 + timedelta(hours=1), "completed")
    # 15:34:06.123456 truncates to .123
    assert _query(path, "SELECT started_at, ended_at, status FROM runs") == [
        ("2026-12-03T15:34:06.123Z", "2026-12-03T16:34:06.123Z", "completed")
    ]


def test_call_row_keeps_usage_json_and_extras(tmp_path: Path) -> None:
    usage = Usage(
        "anthropic",
        "claude-sonnet-4-20250514",
        input_tokens=1200,
        output_tokens=80,
        total_tokens=1280,
        cache_read_tokens=1000,
        reported=True,
        raw={"input_tokens": 200, "cache_read_input_tokens": 1000, "output_tokens": 80},
        extras={"cache_write_1h_tokens": 0},
        estimated_fields=frozenset({"total_tokens"}),
        problems=("odd field",),
        response_id="msg_1",
    )
    record = CallRecord(
        call_id="c1",
        operation_id="op1",
        provider="anthropic",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=2),
        usage=usage,
        cost_status="priced",
        cost_usd=Decimal("0.0018"),
        stream=True,
        extras={"tool": "search"},
    )
    with MetricsStore(tmp_path / "m.db") as store:
        store.record_call(record)
        [row] = store.calls()
    assert row.raw_usage == {
        "input_tokens": 200,
        "cache_read_input_tokens": 1000,
        "output_tokens": 80,
    }
    assert row.extras == {
        "usage_extras": {"cache_write_1h_tokens": 0},
        "estimated_fields": ["total_tokens"],
        "problems": ["odd field"],
        "response_id": "msg_1",
        "call_extras": {"tool": "search"},
    }
    # No response_model on the record: the model the usage names is the served one.
    assert (row.response_model, row.stream, row.duration_ms) == (
        "claude-sonnet-4-20250514",
        True,
        2000.0,
    )
    assert (row.cache_read_tokens, row.cache_write_tokens) == (1000, None)


def test_call_is_visible_to_another_connection_when_record_returns(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = MetricsStore(path)
    store.record_call(_call("c1", T0, "0.25"))
    assert _query(path, "SELECT cost_usd, cost_pusd FROM llm_calls") == [(0.25, 250_000_000_000)]
    store.close()


def test_contradictory_cost_is_refused_and_nothing_written(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        with pytest.raises(ValueError, match="'priced' needs a cost_usd"):
            store.record_call(_call("c1", T0, None, status="priced"))
        with pytest.raises(ValueError, match="'unpriced' must not carry a cost"):
            store.record_call(_call("c2", T0, "1", status="unpriced"))
        assert store.totals().calls == 0


def test_repeated_call_id_is_a_store_error_and_keeps_the_first(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.record_call(_call("c1", T0, "1"))
        with pytest.raises(StoreError, match="UNIQUE constraint failed: llm_calls.call_id"):
            store.record_call(_call("c1", T0, "2"))
        assert store.spend() == Decimal("1")


def test_quality_iterations_round_trip_and_replace(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.record_quality_iteration("r1", "default", 1, 60.0, 0.5, 3, Decimal("0.2"), T0)
        store.record_quality_iteration("r1", "default", 2, 70.0, 0.6, 2, 0.1, T0)
        store.record_quality_iteration("r1", "default", 2, 75.0, 0.7, 4, None, T0)
        store.record_quality_iteration("r2", "default", 1, 10.0, 0.1, 1, None, T0)
        rows = store.quality_iterations(run_id="r1")
    assert [(r.iteration, r.coverage, r.quality_score, r.tasks_completed) for r in rows] == [
        (1, 60.0, 0.5, 3),
        (2, 75.0, 0.7, 4),
    ]
    assert [r.cost_usd for r in rows] == [Decimal("0.2"), None]
    assert rows[0].recorded_at == T0.replace(microsecond=123000)


def test_float_quality_cost_is_kept_as_its_decimal_repr(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.record_quality_iteration("r1", "m", 1, 50.0, 0.5, 1, 0.1)
        [row] = store.quality_iterations()
    # Decimal(0.1) would be 0.1000000000000000055...; the repr "0.1" is what was meant.
    assert row.cost_usd == Decimal("0.1")


def test_run_spend_sums_the_runs_calls(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        for index, cost in enumerate(["0.1", "0.2", None]):
            store.record_call(_call(f"c{index}", T0, cost, run_id="r1"))
        store.record_call(_call("elsewhere", T0, "9"))
        # 0.1 + 0.2 (the unpriced call adds nothing); the call outside the run is not counted.
        assert store.run_spend("r1") == Decimal("0.3")
        assert store.task_spend("t1") == Decimal("9.3")
