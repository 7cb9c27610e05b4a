"""Write statements. Each function runs inside a transaction the caller holds."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from tessera.records import CallRecord, RunRecord, TaskEnd, TaskStart
from tessera.store import limits
from tessera.store.call_row import INSERT_CALL, call_row
from tessera.store.convert import from_pusd, iso_utc, to_pusd
from tessera.store.late import settle_late_call
from tessera.store.results import TaskTotals
from tessera.store.schema import COST_UNKNOWN


def start_run(conn: sqlite3.Connection, run: RunRecord) -> None:
    """Insert the run (or restart it: status back to running, end cleared)."""
    conn.execute(
        """INSERT INTO runs (run_id, name, started_at, ended_at, status, trace_id)
           VALUES (?, ?, ?, NULL, 'running', ?)
           ON CONFLICT (run_id) DO UPDATE SET
               name = excluded.name, started_at = excluded.started_at, ended_at = NULL,
               status = 'running', trace_id = excluded.trace_id""",
        (run.run_id, run.name, iso_utc(run.started_at), run.trace_id),
    )


def finish_run(conn: sqlite3.Connection, run_id: str, ended_at: datetime, status: str) -> None:
    """Set the run's end time and final status."""
    conn.execute(
        "UPDATE runs SET ended_at = ?, status = ? WHERE run_id = ?",
        (iso_utc(ended_at), status, run_id),
    )


def start_task(conn: sqlite3.Connection, task: TaskStart) -> None:
    """Insert the task row, or restart it for another phase or a retry."""
    started = iso_utc(task.started_at)
    conn.execute(
        """INSERT INTO task_assignments (task_id, description, type, agent_name, assigned_at,
               started_at, status, phase, run_id, trace_id, span_id)
           VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
           ON CONFLICT (task_id) DO UPDATE SET
               description = COALESCE(excluded.description, description),
               type = COALESCE(excluded.type, type),
               agent_name = excluded.agent_name,
               assigned_at = COALESCE(assigned_at, excluded.assigned_at),
               started_at = excluded.started_at,
               completed_at = NULL,
               status = 'running',
               result_summary = NULL,
               error_message = NULL,
               phase = excluded.phase,
               run_id = COALESCE(excluded.run_id, run_id),
               trace_id = excluded.trace_id,
               span_id = excluded.span_id""",
        (
            task.task_id,
            task.description,
            task.type,
            task.agent_name,
            iso_utc(task.assigned_at) if task.assigned_at is not None else started,
            started,
            task.phase,
            task.run_id,
            task.trace_id,
            task.span_id,
        ),
    )


def record_call(conn: sqlite3.Connection, record: CallRecord) -> None:
    """Insert one ``llm_calls`` row; raises ``ValueError`` on a contradictory cost.

    The call's limit reservation, if any, goes in the same transaction, so its
    money is never counted twice nor missing from a concurrent limit check.
    """
    row = call_row(record)
    conn.execute(INSERT_CALL, row)
    if record.cost_usd is None:
        limits.hold_unknown_cost(conn, record.call_id)
    limits.release(conn, record.call_id)
    if record.task_id is not None:
        settle_late_call(conn, record.task_id, record.started_at)


_SUMS = (
    """SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
       COALESCE(SUM(cache_read_tokens), 0), COALESCE(SUM(cache_write_tokens), 0),
       COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_pusd), 0),
       SUM("""
    + COST_UNKNOWN
    + """)
FROM llm_calls WHERE task_id = ?"""
)


def finish_task(
    conn: sqlite3.Connection,
    end: TaskEnd,
    *,
    money: Callable[[Decimal], object] = float,
    flag: Callable[[bool], object] = int,
) -> TaskTotals:
    """Complete the task row and add one ``agent_performance`` row for the phase.

    The phase's totals are the task's calls started at or after the phase
    started; the task row's totals cover every call of the task, all phases.
    ``money`` and ``flag`` convert the cost and the success for the backend's
    column types (SQLite: REAL and 0/1; PostgreSQL: NUMERIC and BOOLEAN).
    """
    started, completed = iso_utc(end.started_at), iso_utc(end.completed_at)
    phase = conn.execute(_SUMS + " AND started_at >= ?", (end.task_id, started)).fetchone()
    whole = conn.execute(_SUMS, (end.task_id,)).fetchone()
    totals = TaskTotals(
        task_id=end.task_id,
        calls=phase[0],
        input_tokens=phase[1],
        output_tokens=phase[2],
        cache_read_tokens=phase[3],
        cache_write_tokens=phase[4],
        reasoning_tokens=phase[5],
        cost_usd=from_pusd(phase[6]),
        unpriced_calls=phase[7] or 0,
        duration_seconds=(end.completed_at - end.started_at).total_seconds(),
    )
    status = "completed" if end.success else "failed"
    conn.execute(
        """INSERT INTO task_assignments (task_id, agent_name, assigned_at, started_at,
               completed_at, status, result_summary, error_message, phase, run_id,
               quality_score, calls, input_tokens, output_tokens, cache_read_tokens,
               cache_write_tokens, reasoning_tokens, cost_usd, cost_pusd, unpriced_calls)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (task_id) DO UPDATE SET
               completed_at = excluded.completed_at, status = excluded.status,
               result_summary = excluded.result_summary,
               error_message = excluded.error_message,
               quality_score = excluded.quality_score, calls = excluded.calls,
               input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
               cache_read_tokens = excluded.cache_read_tokens,
               cache_write_tokens = excluded.cache_write_tokens,
               reasoning_tokens = excluded.reasoning_tokens, cost_usd = excluded.cost_usd,
               cost_pusd = excluded.cost_pusd, unpriced_calls = excluded.unpriced_calls""",
        (
            end.task_id,
            end.agent_name,
            started,
            started,
            completed,
            status,
            end.result_summary,
            end.error_message,
            end.phase,
            end.run_id,
            end.quality_score,
            whole[0],
            whole[1],
            whole[2],
            whole[3],
            whole[4],
            whole[5],
            money(from_pusd(whole[6])),
            whole[6],
            whole[7] or 0,
        ),
    )
    conn.execute(
        """INSERT INTO agent_performance (agent_name, task_id, phase, success, duration_seconds,
               cost_usd, cost_pusd, quality_score, timestamp, run_id, calls, unpriced_calls)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            end.agent_name,
            end.task_id,
            end.phase,
            flag(end.success),
            totals.duration_seconds,
            money(totals.cost_usd),
            phase[6],
            end.quality_score,
            completed,
            end.run_id,
            totals.calls,
            totals.unpriced_calls,
        ),
    )
    return totals


def record_quality_iteration(
    conn: sqlite3.Connection,
    run_id: str | None,
    monitor: str,
    iteration: int,
    coverage: float,
    quality_score: float,
    tasks_completed: int,
    cost_usd: Decimal | float | None,
    recorded_at: datetime | None,
) -> None:
    """Insert an iteration, or replace the one already recorded under the same number."""
    if cost_usd is None:
        pusd = None
    else:
        # A float goes through its shortest repr, so 0.1 is stored as exactly 0.1.
        exact = cost_usd if isinstance(cost_usd, Decimal) else Decimal(repr(float(cost_usd)))
        pusd = to_pusd(exact)
    conn.execute(
        """INSERT INTO quality_iterations (run_id, monitor, iteration, coverage, quality_score,
               tasks_completed, cost_usd, cost_pusd, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, monitor, iteration) DO UPDATE SET
               coverage = excluded.coverage, quality_score = excluded.quality_score,
               tasks_completed = excluded.tasks_completed, cost_usd = excluded.cost_usd,
               cost_pusd = excluded.cost_pusd, recorded_at = excluded.recorded_at""",
        (
            run_id,
            monitor,
            iteration,
            coverage,
            quality_score,
            tasks_completed,
            None if pusd is None else float(from_pusd(pusd)),
            pusd,
            iso_utc(recorded_at or datetime.now(UTC)),
        ),
    )
