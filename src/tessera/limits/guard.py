"""Holding the limits: refuse before a request goes out, warn once when a limit is crossed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from tessera.errors import CostLimitExceeded
from tessera.limits.estimate import cost_bound, input_token_bound, output_token_bound
from tessera.limits.policy import CostLimits, Enforcement
from tessera.limits.window import day_window
from tessera.pricing import CostCalculator
from tessera.store.ledger import SpendLedger
from tessera.store.limits import Budget, Standing

DAILY = "cost.limits.global.daily_usd"
PER_TASK = "cost.limits.per_task.max_usd"


@dataclass(frozen=True, slots=True)
class Crossing:
    """A limit whose spend reached its cap for the first time in its window."""

    standing: Standing
    enforcement: Enforcement
    window: str

    def describe(self) -> str:
        """One line for the warning and the log."""
        budget = self.standing.budget
        scope = f"task {budget.task_id}" if budget.task_id else f"day {self.window}"
        return (
            f"{budget.name} crossed for {scope}: spent ${self.standing.spent_usd} of "
            f"${budget.cap_usd} ({self.enforcement} limit)"
        )


class SpendGuard:
    """Applies :class:`CostLimits` to calls, with the store's ledger as the one truth.

    Args:
        limits: The limits to hold.
        ledger: Reservations and crossings, shared by every process on the store.
        calculator: Prices for the request estimates.
        zone: The zone whose calendar day the daily limit counts (None: local).
    """

    def __init__(
        self,
        limits: CostLimits,
        ledger: SpendLedger,
        calculator: CostCalculator,
        zone: tzinfo | None,
    ) -> None:
        self.limits = limits
        self._ledger = ledger
        self._calculator = calculator
        self._zone = zone

    def budgets(self, task_id: str | None, at: datetime) -> list[tuple[Budget, Enforcement, str]]:
        """Every limit that applies to a call of ``task_id`` made at ``at``."""
        found: list[tuple[Budget, Enforcement, str]] = []
        if self.limits.daily_usd is not None:
            start, end, day = day_window(at, self._zone)
            found.append(
                (
                    Budget(DAILY, self.limits.daily_usd, since=start, until=end),
                    self.limits.daily_enforcement,
                    day,
                )
            )
        if self.limits.per_task_usd is not None and task_id is not None:
            found.append(
                (
                    Budget(PER_TASK, self.limits.per_task_usd, task_id=task_id),
                    self.limits.per_task_enforcement,
                    task_id,
                )
            )
        return found

    def admit_call(
        self,
        *,
        call_id: str,
        task_id: str | None,
        provider: str,
        model: str | None,
        request: Mapping[str, Any] | None,
        estimate_usd: Decimal | None,
        now: datetime,
    ) -> Decimal | None:
        """Reserve the call's cost bound under every hard limit, or raise.

        Returns:
            The amount reserved (None when no hard limit applies).

        Raises:
            CostLimitExceeded: A hard limit has no room for the call, or the
                model has no price to bound it with (unless ``unpriced: allow``).
        """
        hard = [b for b, enforcement, _ in self.budgets(task_id, now) if enforcement == "hard"]
        if not hard:
            return None
        if estimate_usd is None:
            estimate_usd = self._bound(provider, model, request or {}, now, hard[0])
        refusal = self._ledger.admit(
            hard, call_id=call_id, task_id=task_id, estimate_usd=estimate_usd, now=now
        )
        if refusal is not None:
            raise CostLimitExceeded(
                refusal.budget.name,
                refusal.spent_usd,
                refusal.budget.cap_usd,
                estimate_usd=estimate_usd,
                reserved_usd=refusal.reserved_usd,
            )
        return estimate_usd

    def _bound(
        self,
        provider: str,
        model: str | None,
        request: Mapping[str, Any],
        now: datetime,
        budget: Budget,
    ) -> Decimal:
        price = self._calculator.price_for(model, provider, at=now) if model else None
        if price is not None:
            output = output_token_bound(request, self.limits.default_max_output_tokens)
            return cost_bound(price, input_token_bound(request), output)
        if self.limits.unpriced == "allow":
            # Nothing to bound it with: admitted only while the limit is not reached.
            return Decimal(0)
        raise CostLimitExceeded(
            budget.name,
            None,
            budget.cap_usd,
            message=(
                f"{budget.name} is a hard limit and model {model!r} ({provider}) has no "
                "price, so its cost cannot be bounded; the request was not sent. Add a "
                f"price (`tessera pricing add {model} --provider {provider} --input ... "
                "--output ...`) or set cost.limits.unpriced: allow"
            ),
        )

    def check_task_start(self, task_id: str, now: datetime) -> None:
        """Refuse a task when a hard limit it falls under is already reached."""
        hard = [b for b, enforcement, _ in self.budgets(task_id, now) if enforcement == "hard"]
        if not hard:
            return
        refusal = self._ledger.admit(
            hard,
            call_id=f"task-start:{task_id}",
            task_id=task_id,
            estimate_usd=Decimal(0),
            now=now,
        )
        if refusal is not None:
            raise CostLimitExceeded(
                refusal.budget.name,
                refusal.spent_usd,
                refusal.budget.cap_usd,
                reserved_usd=refusal.reserved_usd,
            )

    def crossings(self, task_id: str | None, at: datetime, now: datetime) -> list[Crossing]:
        """Limits that the spend of a call made at ``at`` crossed first (once per window)."""
        found = []
        for budget, enforcement, window in self.budgets(task_id, at):
            standing = self._ledger.claim_crossing(budget, window, now)
            if standing is not None:
                found.append(Crossing(standing, enforcement, window))
        return found

    def release(self, call_id: str) -> None:
        """Drop a reservation whose call will not be recorded."""
        self._ledger.release(call_id)
