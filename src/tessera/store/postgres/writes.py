"""The write whose SQL differs on PostgreSQL; every other write is the SQLite module's.

PostgreSQL rejects a column named without its table inside ``ON CONFLICT DO
UPDATE`` (it could be the new row or the old one), so restarting a task has
its own text here. What it does is the same as :mod:`tessera.store.writes`.
"""

from __future__ import annotations

from tessera.records import TaskStart
from tessera.store.convert import iso_utc
from tessera.store.postgres.connection import PgConnection


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
