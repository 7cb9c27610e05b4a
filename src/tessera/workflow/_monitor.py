"""``QualityMonitor``: should an improve-and-retry loop run another round?"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tessera._log import logger
from tessera.workflow import _rules, _validate
from tessera.workflow._iteration import QualityInputError, QualityIteration, QualityStore


def _now_ms() -> datetime:
    # The store keeps millisecond times (DESIGN §7); truncating here keeps the
    # in-memory history equal to what a resumed monitor reads back.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class QualityMonitor:
    """Records each improvement round and says whether another one is worth it.

    A loop records the round it just finished, then asks::

        monitor.record_iteration(iteration=i, coverage=..., quality_score=..., tasks_completed=...)
        go_on, reason = monitor.should_continue(iteration=i)

    ``should_continue(i)`` means "round ``i`` is done; run round ``i + 1``?". The
    rules are checked in this order and the first that fires stops the loop:

    1. **maximum iterations**: ``i >= max_iterations`` (checked even before any
       iteration is recorded).
    2. **targets met**: the latest coverage ``>= target_coverage`` *and* quality
       ``>= target_quality`` (equal counts as met).
    3. **budget spent** (only with ``max_cost_usd``): spend ``>= max_cost_usd``.
       With a store, spend is ``store.run_spend(run_id)``, everything the run's
       model calls cost; without one, it is the sum of the recorded ``cost_usd``
       (``None`` counts as 0). Exactly at the cap counts as spent.
    4. **quality regressed**: the latest quality is lower than the previous one by
       more than ``REGRESSION_TOLERANCE`` (0.005).
    5. **plateau**: the latest iteration is compared with the one recorded
       ``patience`` iterations before it, and neither metric gained
       ``min_improvement``. Needs ``patience + 1`` recorded iterations.

    Otherwise it continues. Every reason names the rule and the numbers, e.g.
    ``"coverage 91.0 ≥ 90.0 and quality 0.93 ≥ 0.90: targets met"``.

    ``min_improvement`` is in percentage points, so one number serves both
    scales: coverage (0-100) must gain ``min_improvement`` points, or quality
    (0-1) must gain ``min_improvement / 100``. The default 1.0 means one
    coverage point or 0.01 quality; either one is enough to count as improving.
    Comparisons allow 1e-9 of float rounding.

    With a ``store`` (which needs a ``run_id``) every iteration is written
    through it before it is kept in memory, and a new monitor with the same
    store, ``run_id`` and ``name`` resumes from the stored iterations. Without
    a store, iterations live in memory only.

    Args:
        max_iterations: Most rounds to run, at least 1.
        target_coverage: Coverage in percent (0-100) that counts as done.
        target_quality: Quality score (0-1) that counts as done.
        min_improvement: Smallest gain, in percentage points, that is progress.
        patience: Rounds without that gain before calling a plateau, at least 1.
        max_cost_usd: Budget for the loop in USD; ``None`` for no budget.
        store: Where iterations are persisted, e.g. ``tessera.store.MetricsStore``.
        run_id: The run the iterations belong to; required with ``store``.
        name: Tells apart several monitors of one run.

    Raises:
        QualityInputError: A setting is out of range, or ``store`` lacks ``run_id``.
    """

    def __init__(
        self,
        max_iterations: int = 5,
        target_coverage: float = 90.0,
        target_quality: float = 0.90,
        min_improvement: float = 1.0,
        patience: int = 2,
        max_cost_usd: float | Decimal | None = None,
        *,
        store: QualityStore | None = None,
        run_id: str | None = None,
        name: str = "default",
    ) -> None:
        self.max_iterations = _validate.integer("max_iterations", max_iterations, 1)
        self.target_coverage = _validate.number("target_coverage", target_coverage, 0, 100)
        self.target_quality = _validate.number("target_quality", target_quality, 0, 1)
        self.min_improvement = _validate.number("min_improvement", min_improvement, 0, None)
        self.patience = _validate.integer("patience", patience, 1)
        self.max_cost_usd = (
            None if max_cost_usd is None else _validate.usd("max_cost_usd", max_cost_usd)
        )
        if not isinstance(name, str) or not name:
            raise QualityInputError(f"name must be a non-empty string, got {name!r}")
        if store is not None and not run_id:
            raise QualityInputError("a store needs a run_id to link the iterations to a run")
        self.name = name
        self.run_id = run_id
        self._store = store
        self._history: list[QualityIteration] = []
        if store is not None and run_id:
            self._resume(store, run_id)

    @property
    def iterations(self) -> Sequence[QualityIteration]:
        """The recorded iterations, oldest first (an immutable tuple)."""
        return tuple(self._history)

    def record_iteration(
        self,
        iteration: int,
        coverage: float,
        quality_score: float,
        tasks_completed: int,
        cost_usd: float | Decimal | None = None,
    ) -> QualityIteration:
        """Record what round ``iteration`` achieved (in the store too, when there is one).

        Args:
            iteration: Round number, 1-based, greater than every recorded one.
            coverage: Test coverage in percent, 0-100.
            quality_score: Quality score, 0-1.
            tasks_completed: Tasks finished in the round, 0 or more.
            cost_usd: What the round cost in USD, 0 or more, if known.

        Returns:
            The recorded iteration.

        Raises:
            QualityInputError: A value is out of range, not a finite number, or the
                iteration is repeated or out of order. Nothing is recorded.
        """
        record = self._checked(
            iteration,
            coverage,
            quality_score,
            tasks_completed,
            cost_usd,
            _now_ms(),
            where="",
        )
        if self._store is not None and self.run_id:
            self._store.record_quality_iteration(
                run_id=self.run_id,
                monitor=self.name,
                iteration=record.iteration,
                coverage=record.coverage,
                quality_score=record.quality_score,
                tasks_completed=record.tasks_completed,
                cost_usd=record.cost_usd,
                recorded_at=record.recorded_at,
            )
        self._history.append(record)
        logger.debug(
            "quality monitor %s: iteration %d coverage %s quality %s",
            self.name,
            record.iteration,
            record.coverage,
            record.quality_score,
        )
        return record

    def should_continue(self, iteration: int) -> tuple[bool, str]:
        """Whether to run another round now that round ``iteration`` is done.

        Args:
            iteration: The round just finished, 1-based.

        Returns:
            ``(True, reason)`` to go on, ``(False, reason)`` to stop; the reason
            names the rule that decided and the numbers it compared.

        Raises:
            QualityInputError: ``iteration`` is not an integer of at least 1.
        """
        iteration = _validate.integer("iteration", iteration, 1)
        history = self._history
        reason = _rules.max_reached(iteration, self.max_iterations)
        if reason is None and history:
            reason = _rules.targets_met(history[-1], self.target_coverage, self.target_quality)
        if reason is None and self.max_cost_usd is not None:
            spent, source = self._spend()
            reason = _rules.budget_spent(spent, self.max_cost_usd, source)
        if reason is None:
            reason = _rules.quality_regressed(history)
        if reason is None:
            reason = _rules.plateau(history, self.patience, self.min_improvement)
        if reason is not None:
            logger.info(
                "quality monitor %s: stop after iteration %d: %s", self.name, iteration, reason
            )
            return False, reason
        return True, _rules.continue_reason(
            history,
            iteration,
            self.max_iterations,
            self.target_coverage,
            self.target_quality,
            self.patience,
            self.min_improvement,
        )

    def _spend(self) -> tuple[Decimal, str]:
        if self._store is not None and self.run_id:
            spent = _validate.usd("run spend", self._store.run_spend(self.run_id))
            return spent, f"run {self.run_id} spend"
        total = sum((it.cost_usd for it in self._history if it.cost_usd is not None), Decimal(0))
        return total, "iteration costs"

    def _checked(
        self,
        iteration: object,
        coverage: object,
        quality_score: object,
        tasks_completed: object,
        cost_usd: object,
        recorded_at: datetime,
        *,
        where: str,
    ) -> QualityIteration:
        number = _validate.integer(f"{where}iteration", iteration, 1)
        if self._history and number <= self._history[-1].iteration:
            last = self._history[-1].iteration
            what = "repeated" if number == last else "out of order"
            raise QualityInputError(
                f"{where}iteration {number} is {what}: the last recorded iteration is {last} "
                "and iterations must increase"
            )
        return QualityIteration(
            iteration=number,
            coverage=_validate.number(f"{where}coverage", coverage, 0, 100),
            quality_score=_validate.number(f"{where}quality_score", quality_score, 0, 1),
            tasks_completed=_validate.integer(f"{where}tasks_completed", tasks_completed, 0),
            cost_usd=None if cost_usd is None else _validate.usd(f"{where}cost_usd", cost_usd),
            recorded_at=recorded_at,
        )

    def _resume(self, store: QualityStore, run_id: str) -> None:
        rows = sorted(
            store.quality_iterations(run_id=run_id, monitor=self.name),
            key=lambda row: row.iteration,
        )
        for row in rows:
            where = f"stored (run {run_id}, monitor {self.name}) "
            self._history.append(
                self._checked(
                    row.iteration,
                    row.coverage,
                    row.quality_score,
                    row.tasks_completed,
                    row.cost_usd,
                    _validate.timestamp(f"{where}recorded_at", row.recorded_at),
                    where=where,
                )
            )
        if rows:
            logger.info(
                "quality monitor %s: resumed run %s at iteration %d",
                self.name,
                run_id,
                self._history[-1].iteration,
            )
