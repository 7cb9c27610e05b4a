"""Decide whether an improve-and-retry loop of agents should run another round.

:class:`QualityMonitor` records each round's coverage, quality, completed tasks
and cost, and answers ``should_continue(iteration) -> (bool, reason)`` by the
rules of DESIGN §10. :func:`render_history` shows the recorded rounds.
"""

from __future__ import annotations

from tessera.workflow._iteration import (
    QualityInputError,
    QualityIteration,
    QualityIterationRow,
    QualityStore,
)
from tessera.workflow._monitor import QualityMonitor
from tessera.workflow._render import render_history
from tessera.workflow._rules import REGRESSION_TOLERANCE

__all__ = (
    "REGRESSION_TOLERANCE",
    "QualityInputError",
    "QualityIteration",
    "QualityIterationRow",
    "QualityMonitor",
    "QualityStore",
    "render_history",
)
