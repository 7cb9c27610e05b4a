"""The store's side of cost limits: each operation one locked transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from tessera.store import limits
from tessera.store.limits import Budget, Standing

if TYPE_CHECKING:
    from tessera.store import MetricsStore


class SpendLedger:
    """Reservations and limit crossings kept in a :class:`MetricsStore`.

    Every process sharing the database file shares the ledger, so a limit
    holds across threads and processes.
    """

    def __init__(self, store: MetricsStore) -> None:
        self._store = store

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
        with self._store._write() as conn:
            return limits.admit(
                conn, budgets, call_id=call_id, task_id=task_id, estimate_usd=estimate_usd, now=now
            )

    def release(self, call_id: str) -> None:
        """Drop a reservation whose call never reached the store."""
        with self._store._write() as conn:
            limits.release(conn, call_id)

    def claim_crossing(self, budget: Budget, window_key: str, now: datetime) -> Standing | None:
        """The standing, if this caller is the first to see ``budget`` reached in the window."""
        with self._store._write() as conn:
            return limits.claim_crossing(conn, budget, window_key, now)

    def standing(self, budget: Budget) -> Standing:
        """Spent and reserved amounts of ``budget`` now."""
        with self._store._read() as conn:
            return limits.standing(conn, budget)

    def reserved(self, now: datetime) -> Decimal:
        """Money reserved by calls in flight."""
        with self._store._read() as conn:
            return limits.reserved_total(conn, now)
