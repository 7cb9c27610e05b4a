"""One recorded improvement round, the error for bad inputs, and the store contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tessera.errors import TesseraError


class QualityInputError(TesseraError, ValueError):
    """A quality-monitor setting or iteration value is out of range, not a number, or out of order.

    Nothing is recorded (in memory or in the store) when this is raised.
    """


@dataclass(frozen=True, slots=True)
class QualityIteration:
    """What one improvement round achieved.

    Attributes:
        iteration: Round number, 1-based, strictly increasing within a monitor.
        coverage: Test coverage in percent, 0-100.
        quality_score: Quality score, 0-1.
        tasks_completed: Tasks finished in this round.
        cost_usd: What the round cost in USD, when the caller knows it.
        recorded_at: When the round was recorded (UTC).
    """

    iteration: int
    coverage: float
    quality_score: float
    tasks_completed: int
    cost_usd: Decimal | None
    recorded_at: datetime


class QualityIterationRow(Protocol):
    """A stored row of ``quality_iterations`` as the store returns it.

    The types are as loose as the table's columns; a monitor refuses (with
    :class:`QualityInputError`) a row it could not have written itself.
    """

    @property
    def iteration(self) -> int: ...
    @property
    def coverage(self) -> float | None: ...
    @property
    def quality_score(self) -> float | None: ...
    @property
    def tasks_completed(self) -> int | None: ...
    @property
    def cost_usd(self) -> Decimal | float | None: ...
    @property
    def recorded_at(self) -> datetime | str | None: ...


class QualityStore(Protocol):
    """The part of the metrics store a :class:`QualityMonitor` uses.

    ``tessera.store.MetricsStore`` provides these methods; tests use an in-memory fake.
    The monitor always calls them with keyword arguments.
    """

    def record_quality_iteration(
        self,
        run_id: str,
        monitor: str,
        iteration: int,
        coverage: float,
        quality_score: float,
        tasks_completed: int,
        cost_usd: Decimal | None,
        recorded_at: datetime,
    ) -> object:
        """Store one iteration of monitor ``monitor`` in run ``run_id``."""
        ...

    def quality_iterations(self, run_id: str, monitor: str) -> Sequence[QualityIterationRow]:
        """The stored iterations of monitor ``monitor`` in run ``run_id``."""
        ...

    def run_spend(self, run_id: str) -> Decimal:
        """Total USD spent so far by run ``run_id`` (all its model calls)."""
        ...
