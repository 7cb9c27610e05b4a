"""What the store's queries return: frozen dataclasses, never SQL.

Times are aware UTC datetimes; money is exact :class:`~decimal.Decimal` built
from the picodollar columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class TaskTotals:
    """The calls of one finished task phase, summed when the phase ended.

    Attributes:
        task_id: The task.
        calls: Model calls made in the phase.
        input_tokens: Sum of reported input tokens (unreported counts add nothing).
        output_tokens: Sum of reported output tokens.
        cache_read_tokens: Sum of cache-read tokens.
        cache_write_tokens: Sum of cache-write tokens.
        reasoning_tokens: Sum of reasoning tokens.
        cost_usd: Exact sum of the known costs.
        unpriced_calls: Calls whose cost is unknown (no price, or no usage
            reported), so ``cost_usd`` is a lower bound when this is not 0. A
            request that failed without reporting usage was not billed and is
            not counted here.
        duration_seconds: Wall time of the phase.
    """

    task_id: str
    calls: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: Decimal
    unpriced_calls: int
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class AgentSummary:
    """Finished task phases of one agent (the seed's agent report)."""

    agent_name: str | None
    tasks: int
    successes: int
    success_rate: float
    avg_duration_seconds: float | None
    total_cost_usd: Decimal
    unpriced_calls: int


@dataclass(frozen=True, slots=True)
class CostGroup:
    """Model calls grouped by day, agent, model, task or provider.

    ``key`` is the group's value (``YYYY-MM-DD`` for days); ``None`` collects
    calls that have no value for it (for example calls outside any task).
    """

    key: str | None
    calls: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: Decimal
    unpriced_calls: int


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One row of ``task_assignments``; totals are over every call of the task."""

    task_id: str
    agent_name: str | None
    status: str | None
    description: str | None
    type: str | None
    phase: str | None
    run_id: str | None
    assigned_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    result_summary: str | None
    error_message: str | None
    quality_score: float | None
    trace_id: str | None
    span_id: str | None
    calls: int | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: Decimal | None
    unpriced_calls: int | None


@dataclass(frozen=True, slots=True)
class CallRow:
    """One row of ``llm_calls``. Token counts are ``None`` when not reported."""

    call_id: str
    operation_id: str | None
    attempt: int | None
    task_id: str | None
    run_id: str | None
    agent_name: str | None
    phase: str | None
    provider: str | None
    request_model: str | None
    response_model: str | None
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    reasoning_tokens: int | None
    usage_reported: bool
    cost_usd: Decimal | None
    cost_status: str | None
    pricing_id: int | None
    stream: bool
    status: str | None
    error_type: str | None
    trace_id: str | None
    span_id: str | None
    raw_usage: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnpricedModel:
    """A model that was called without a known price."""

    provider: str | None
    model: str | None
    calls: int
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class QualityIterationRow:
    """One recorded iteration of a quality monitor."""

    run_id: str | None
    monitor: str
    iteration: int
    coverage: float
    quality_score: float
    tasks_completed: int
    cost_usd: Decimal | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class StoreTotals:
    """Everything the store holds, in three numbers (and the unknown-cost count)."""

    calls: int
    tasks: int
    cost_usd: Decimal
    unpriced_calls: int
