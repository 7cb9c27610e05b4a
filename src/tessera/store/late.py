"""Calls that arrive after their task ended: fold them into the totals already written.

A task's row and its ``agent_performance`` row are totalled when the task
ends. Some calls are recorded later: a LiteLLM success callback runs on a
worker thread after ``completion()`` returned, a stream may be read to its end
(or collected) after the ``with`` block closed. Such a call still belongs to
the phase it started in, so the totals it changes are recomputed in the same
transaction that stores it; ``SELECT SUM(cost_usd) FROM agent_performance``
then includes it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from tessera.store.convert import from_pusd, iso_utc, parse_time
from tessera.store.schema import COST_UNKNOWN

# agent_performance keeps a phase's end and its duration in seconds; its start,
# recomputed from them, can be off by the rounding of both.
_SLACK = timedelta(milliseconds=1)

_SUMS = (
    """SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
       COALESCE(SUM(cache_read_tokens), 0), COALESCE(SUM(cache_write_tokens), 0),
       COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_pusd), 0),
       COALESCE(SUM("""
    + COST_UNKNOWN
    + """), 0)
FROM llm_calls WHERE task_id = ?"""
)


def settle_late_call(conn: sqlite3.Connection, task_id: str, started_at: datetime) -> None:
    """Recompute the totals of ``task_id`` if it already ended; nothing when it is running."""
    status = conn.execute(
        "SELECT status FROM task_assignments WHERE task_id = ?", (task_id,)
    ).fetchone()
    if status is None or status[0] not in ("completed", "failed"):
        return
    whole = conn.execute(_SUMS, (task_id,)).fetchone()
    conn.execute(
        """UPDATE task_assignments SET calls = ?, input_tokens = ?, output_tokens = ?,
               cache_read_tokens = ?, cache_write_tokens = ?, reasoning_tokens = ?,
               cost_usd = ?, cost_pusd = ?, unpriced_calls = ?
           WHERE task_id = ?""",
        (*whole[:6], float(from_pusd(whole[6])), whole[6], whole[7], task_id),
    )
    phase = _phase_of(conn, task_id, started_at)
    if phase is None:
        return
    perf_id, start, until = phase
    clause = " AND started_at >= ?" + (" AND started_at < ?" if until else "")
    params = (task_id, start, until) if until else (task_id, start)
    sums = conn.execute(_SUMS + clause, params).fetchone()
    conn.execute(
        """UPDATE agent_performance SET calls = ?, cost_usd = ?, cost_pusd = ?,
               unpriced_calls = ? WHERE id = ?""",
        (sums[0], float(from_pusd(sums[6])), sums[6], sums[7], perf_id),
    )


def _phase_of(
    conn: sqlite3.Connection, task_id: str, started_at: datetime
) -> tuple[int, str, str | None] | None:
    """The finished phase a call started in: its row id, its start, the next phase's start."""
    phases = []
    for perf_id, ended, duration in conn.execute(
        "SELECT id, timestamp, duration_seconds FROM agent_performance WHERE task_id = ?",
        (task_id,),
    ):
        end = parse_time(ended)
        if end is not None and duration is not None:
            phases.append((end - timedelta(seconds=duration) - _SLACK, perf_id))
    phases.sort()
    found = None
    for index, (start, perf_id) in enumerate(phases):
        if start <= started_at:
            following = phases[index + 1][0] if index + 1 < len(phases) else None
            found = (perf_id, iso_utc(start), iso_utc(following) if following else None)
    return found
