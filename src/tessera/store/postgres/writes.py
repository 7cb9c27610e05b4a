"""The writes whose SQL differs on PostgreSQL; every other write is the SQLite module's.

PostgreSQL rejects a column named without its table inside ``ON CONFLICT DO
UPDATE`` (it could be the new row or the old one), stores ``success`` as a
boolean, and keeps ``cost_usd`` exact, so these two statements have their own
text here. What they compute is the same as :mod:`tessera.store.writes`.
"""

from __future__ import annotations

from tessera.records import TaskEnd, TaskStart
from tessera.store.convert import from_pusd, iso_utc
from tessera.store.postgres.connection import PgConnection
from tessera.store.results import TaskTotals
from tessera.store.writes import _SUMS


def start_task(conn: PgConnection, task: TaskStart) -> None:
    """Insert the task row, or restart it for another phase or a retry."""
    started = iso_utc(task.started_at)
    conn.execute(
        """INSERT INTO task_assignments AS t (task_id, description, type, agent_name,
               assigned_at, started_at, status, phase, run_id, trace_id, span_id)
           VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
           ON CONFLICT (task_id) DO UPDATE SET
               description = COALESCE(excluded.description, t.description),
               type = COALESCE(excluded.type, t.type),
               agent_name = excluded.agent_name,
               assigned_at = COALESCE(t.assigned_at, excluded.assigned_at),
               started_at = excluded.started_at,
               completed_at = NULL,
               status = 'running',
               result_summary = NULL,
               error_message = NULL,
               phase = excluded.phase,
               run_id = COALESCE(excluded.run_id, t.run_id),
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


def finish_task(conn: PgConnection, end: TaskEnd) -> TaskTotals:
    """Complete the task row and add one ``agent_performance`` row for the phase."""
    started, completed = iso_utc(end.started_at), iso_utc(end.completed_at)
    phase = conn.execute(_SUMS + " AND started_at >= ?", (end.task_id, started)).fetchone()
    whole = conn.execute(_SUMS, (end.task_id,)).fetchone()
    assert phase is not None and whole is not None  # aggregates always return a row
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
            "completed" if end.success else "failed",
            end.result_summary,
            end.error_message,
            end.phase,
            end.run_id,
            end.quality_score,
            *whole[:6],
            from_pusd(whole[6]),
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
            end.success,
            totals.duration_seconds,
            totals.cost_usd,
            phase[6],
            end.quality_score,
            completed,
            end.run_id,
            totals.calls,
            totals.unpriced_calls,
        ),
    )
    return totals
