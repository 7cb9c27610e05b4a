"""Spend under limits: atomic reservations and the first crossing of each limit.

A hard limit is a check-then-spend race unless the check and the claim on the
budget are one step. Here they are: :func:`admit` runs inside one ``BEGIN
IMMEDIATE`` transaction, so across threads and processes sharing the file no
two calls can both see the same money left. A reservation is removed in the
same transaction that stores its call (``writes.record_call``), so the money
moves from "reserved" to "spent" without a gap; a reservation whose process
died expires.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tessera.store.convert import from_pusd, iso_utc, to_pusd

#: A reservation older than this is treated as abandoned (its process died).
RESERVATION_TTL = timedelta(minutes=30)

M002_STATEMENTS = (
    """
CREATE TABLE cost_reservations (
    call_id TEXT PRIMARY KEY,
    task_id TEXT,
    amount_pusd INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
)""",
    "CREATE INDEX idx_cost_reservations_task ON cost_reservations(task_id)",
    """
CREATE TABLE limit_crossings (
    limit_name TEXT NOT NULL,
    window_key TEXT NOT NULL,
    crossed_at TEXT NOT NULL,
    spent_usd REAL,
    cap_usd REAL,
    PRIMARY KEY (limit_name, window_key)
)""",
)


#: A call that was sent under a hard limit but whose cost stayed unknown (a
#: stream left before its usage arrived, a model with no price) keeps its
#: reserved bound as ``held_pusd``: it counts toward the limits at that amount,
#: never as $0, while reports still show its cost as unknown.
M003_STATEMENTS = ("ALTER TABLE llm_calls ADD COLUMN held_pusd INTEGER",)

#: A limit's spend: the known cost of each call, else the bound it held.
SPENT_PUSD = "COALESCE(SUM(COALESCE(cost_pusd, held_pusd)), 0)"


@dataclass(frozen=True, slots=True)
class Budget:
    """One hard limit to check: a cap over a day window or over one task.

    Attributes:
        name: The limit's name in messages (``global.daily_usd``).
        cap_usd: The cap.
        since: Start of the day window (UTC), for daily limits.
        until: End of the day window (UTC), for daily limits.
        task_id: The task, for per-task limits.
    """

    name: str
    cap_usd: Decimal
    since: datetime | None = None
    until: datetime | None = None
    task_id: str | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """Where one budget stood when a call asked to spend from it."""

    budget: Budget
    spent_usd: Decimal
    reserved_usd: Decimal

    def admits(self, estimate_usd: Decimal) -> bool:
        """Whether ``estimate_usd`` more still fits under the cap.

        With no estimate (0), a budget already used up admits nothing.
        """
        committed = self.spent_usd + self.reserved_usd
        if estimate_usd == 0:
            return committed < self.budget.cap_usd
        return committed + estimate_usd <= self.budget.cap_usd


def standing(conn: sqlite3.Connection, budget: Budget) -> Standing:
    """Spent and reserved amounts of ``budget`` right now."""
    if budget.task_id is not None:
        spent = conn.execute(
            f"SELECT {SPENT_PUSD} FROM llm_calls WHERE task_id = ?",
            (budget.task_id,),
        ).fetchone()[0]
        reserved = conn.execute(
            "SELECT COALESCE(SUM(amount_pusd), 0) FROM cost_reservations WHERE task_id = ?",
            (budget.task_id,),
        ).fetchone()[0]
    else:
        clauses, params = [], []
        if budget.since is not None:
            clauses.append("started_at >= ?")
            params.append(iso_utc(budget.since))
        if budget.until is not None:
            clauses.append("started_at < ?")
            params.append(iso_utc(budget.until))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        spent = conn.execute(f"SELECT {SPENT_PUSD} FROM llm_calls{where}", params).fetchone()[0]
        reserved = conn.execute(
            "SELECT COALESCE(SUM(amount_pusd), 0) FROM cost_reservations"
        ).fetchone()[0]
    return Standing(budget, from_pusd(spent), from_pusd(reserved))


def admit(
    conn: sqlite3.Connection,
    budgets: list[Budget],
    *,
    call_id: str,
    task_id: str | None,
    estimate_usd: Decimal,
    now: datetime,
) -> Standing | None:
    """Reserve ``estimate_usd`` against every budget, or none of them.

    Runs inside the caller's write transaction. Returns None when the call is
    admitted (and its reservation written), else the standing of the first
    budget that refused it.
    """
    conn.execute("DELETE FROM cost_reservations WHERE expires_at < ?", (iso_utc(now),))
    for budget in budgets:
        current = standing(conn, budget)
        if not current.admits(estimate_usd):
            return current
    if estimate_usd > 0:
        conn.execute(
            "INSERT OR REPLACE INTO cost_reservations "
            "(call_id, task_id, amount_pusd, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (call_id, task_id, to_pusd(estimate_usd), iso_utc(now), iso_utc(now + RESERVATION_TTL)),
        )
    return None


def release(conn: sqlite3.Connection, call_id: str) -> None:
    """Drop a call's reservation (its real cost is stored, or it never ran)."""
    conn.execute("DELETE FROM cost_reservations WHERE call_id = ?", (call_id,))


def hold_unknown_cost(conn: sqlite3.Connection, call_id: str) -> None:
    """Keep the reservation of a stored call whose cost is unknown as its ``held_pusd``.

    Only a call that reached the provider is held: one that succeeded, or a
    stream that broke after it began. A request that failed before any answer
    was not billed.
    """
    conn.execute(
        """UPDATE llm_calls SET held_pusd =
               (SELECT amount_pusd FROM cost_reservations WHERE call_id = ?)
           WHERE call_id = ? AND cost_pusd IS NULL AND (status = 'ok' OR stream = 1)""",
        (call_id, call_id),
    )


def claim_crossing(
    conn: sqlite3.Connection, budget: Budget, window_key: str, now: datetime
) -> Standing | None:
    """The standing of ``budget`` if this is the first time its spend reached the cap.

    Exactly one caller, across processes, gets a standing back for a given
    limit and window: the one whose insert into ``limit_crossings`` succeeded.
    """
    current = standing(conn, budget)
    if current.spent_usd < budget.cap_usd:
        return None
    inserted = conn.execute(
        "INSERT OR IGNORE INTO limit_crossings "
        "(limit_name, window_key, crossed_at, spent_usd, cap_usd) VALUES (?, ?, ?, ?, ?)",
        (budget.name, window_key, iso_utc(now), float(current.spent_usd), float(budget.cap_usd)),
    ).rowcount
    return current if inserted else None


def reserved_total(conn: sqlite3.Connection, now: datetime) -> Decimal:
    """Money reserved by calls in flight (expired reservations left out)."""
    (pusd,) = conn.execute(
        "SELECT COALESCE(SUM(amount_pusd), 0) FROM cost_reservations WHERE expires_at >= ?",
        (iso_utc(now),),
    ).fetchone()
    return from_pusd(pusd)
