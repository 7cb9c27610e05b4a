"""Fleet-wide cost limits: the :class:`~tessera.store.ledger.SpendLedger` operations on PostgreSQL.

On SQLite, ``BEGIN IMMEDIATE`` lets one writer at a time check a budget and
reserve from it. Here every ledger transaction first takes one advisory lock
(per schema), so across every host sharing the store no two calls can both see
the same money left. A budget's standing is read in one statement, so it sees
a call's real cost and the removal of its reservation together (both are
written by one transaction in ``record_call``) and never counts the money
twice or not at all.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tessera.store.convert import from_pusd, iso_utc, to_pusd
from tessera.store.ledger import SpendLedger
from tessera.store.limits import RESERVATION_TTL, SPENT_PUSD, Budget, Standing
from tessera.store.postgres.connection import PgConnection

if TYPE_CHECKING:
    from tessera.store.postgres import PostgresMetricsStore

LEDGER_LOCK = "ledger"


def standing(conn: PgConnection, budget: Budget) -> Standing:
    """Spent and reserved amounts of ``budget``, read in one snapshot."""
    params: list[Any]
    if budget.task_id is not None:
        sql = f"""SELECT (SELECT {SPENT_PUSD} FROM llm_calls WHERE task_id = ?),
                        (SELECT COALESCE(SUM(amount_pusd), 0) FROM cost_reservations
                         WHERE task_id = ?)"""
        params = [budget.task_id, budget.task_id]
    else:
        clauses, params = [], []
        if budget.since is not None:
            clauses.append("started_at >= ?")
            params.append(iso_utc(budget.since))
        if budget.until is not None:
            clauses.append("started_at < ?")
            params.append(iso_utc(budget.until))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"""SELECT (SELECT {SPENT_PUSD} FROM llm_calls{where}),
                         (SELECT COALESCE(SUM(amount_pusd), 0) FROM cost_reservations)"""
    row = conn.execute(sql, params).fetchone()
    assert row is not None  # a SELECT of two scalars returns one row
    return Standing(budget, from_pusd(row[0]), from_pusd(row[1]))


class PostgresSpendLedger(SpendLedger):
    """Reservations and limit crossings shared by every host using one PostgreSQL store.

    The same methods, arguments and results as :class:`SpendLedger`; every one
    is overridden, so none runs SQLite's statements.
    """

    def __init__(self, store: PostgresMetricsStore) -> None:
        super().__init__(store)
        self._pg = store

    def admit(
        self,
        budgets: list[Budget],
        *,
        call_id: str,
        task_id: str | None,
        estimate_usd: Decimal,
        now: datetime,
    ) -> Standing | None:
        """Reserve ``estimate_usd`` under every budget atomically; the refusing standing if not."""
        with self._pg._pg_write() as conn:
            conn.lock(LEDGER_LOCK)
            conn.execute("DELETE FROM cost_reservations WHERE expires_at < ?", (iso_utc(now),))
            for budget in budgets:
                current = standing(conn, budget)
                if not current.admits(estimate_usd):
                    return current
            if estimate_usd > 0:
                conn.execute(
                    """INSERT INTO cost_reservations
                           (call_id, task_id, amount_pusd, created_at, expires_at)
                       VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (call_id) DO UPDATE SET task_id = excluded.task_id,
                           amount_pusd = excluded.amount_pusd,
                           created_at = excluded.created_at, expires_at = excluded.expires_at""",
                    (
                        call_id,
                        task_id,
                        to_pusd(estimate_usd),
                        iso_utc(now),
                        iso_utc(now + RESERVATION_TTL),
                    ),
                )
            return None

    def release(self, call_id: str) -> None:
        """Drop a reservation whose call never reached the store."""
        with self._pg._pg_write() as conn:
            conn.execute("DELETE FROM cost_reservations WHERE call_id = ?", (call_id,))

    def claim_crossing(self, budget: Budget, window_key: str, now: datetime) -> Standing | None:
        """The standing, if this caller is the first to see ``budget`` reached in the window."""
        with self._pg._pg_write() as conn:
            conn.lock(LEDGER_LOCK)
            current = standing(conn, budget)
            if current.spent_usd < budget.cap_usd:
                return None
            inserted = conn.execute(
                """INSERT INTO limit_crossings
                       (limit_name, window_key, crossed_at, spent_usd, cap_usd)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (
                    budget.name,
                    window_key,
                    iso_utc(now),
                    float(current.spent_usd),
                    float(budget.cap_usd),
                ),
            ).rowcount
            return current if inserted else None

    def standing(self, budget: Budget) -> Standing:
        """Spent and reserved amounts of ``budget`` now."""
        with self._pg._pg_read() as conn:
            return standing(conn, budget)

    def reserved(self, now: datetime) -> Decimal:
        """Money reserved by calls in flight (expired reservations left out)."""
        with self._pg._pg_read() as conn:
            row = conn.execute(
                "SELECT COALESCE(SUM(amount_pusd), 0) FROM cost_reservations WHERE expires_at >= ?",
                (iso_utc(now),),
            ).fetchone()
        assert row is not None  # an aggregate returns one row
        return from_pusd(row[0])
