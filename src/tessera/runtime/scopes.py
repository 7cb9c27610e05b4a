"""The run and task currently open, carried in context variables.

Context variables follow ``asyncio`` tasks and threads started with a copied
context (``contextvars.copy_context().run`` or ``asyncio.to_thread``), so a
call made anywhere inside ``with observer.task(...)`` lands in that task.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from opentelemetry.trace import Span


@dataclass(slots=True)
class RunScope:
    """An open workflow run."""

    run_id: str
    name: str
    started_at: datetime
    span: Span


@dataclass(slots=True)
class TaskScope:
    """An open task, yielded by ``Observer.task``.

    ``quality_score`` and ``result_summary`` may be set inside the block; they
    are stored when the task ends. The running totals count the calls recorded
    so far in this task (by this process).
    """

    task_id: str
    agent_name: str
    phase: str | None
    description: str | None
    type: str | None
    run_id: str | None
    started_at: datetime
    span: Span
    quality_score: float | None = None
    result_summary: str | None = None
    calls: int = 0
    cost_usd: Decimal = field(default_factory=lambda: Decimal(0))
    unpriced_calls: int = 0


current_run: ContextVar[RunScope | None] = ContextVar("tessera_current_run", default=None)
current_task: ContextVar[TaskScope | None] = ContextVar("tessera_current_task", default=None)
