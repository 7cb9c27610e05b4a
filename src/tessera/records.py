"""The records the runtime hands to the metrics store.

These plain dataclasses are the whole contract between the code that watches
agents (``tessera.runtime``) and the code that stores what it saw
(``tessera.store``): the runtime fills them in, the store writes them. No SQL
lives outside the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from tessera.usage import Usage

#: ``priced``: cost known. ``unpriced``: usage known but the model has no price.
#: ``no_usage``: the response reported no usage, so nothing can be priced.
CostStatus = Literal["priced", "unpriced", "no_usage"]
CallStatus = Literal["ok", "error"]
TaskStatus = Literal["running", "completed", "failed"]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One workflow run: the root of a trace, grouping many tasks."""

    run_id: str
    name: str
    started_at: datetime
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaskStart:
    """A task that begins: one row in ``task_assignments``."""

    task_id: str
    agent_name: str
    started_at: datetime
    description: str | None = None
    type: str | None = None
    phase: str | None = None
    run_id: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    assigned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaskEnd:
    """A task that ends: completes its row and adds one ``agent_performance`` row."""

    task_id: str
    agent_name: str
    phase: str | None
    run_id: str | None
    started_at: datetime
    completed_at: datetime
    success: bool
    error_message: str | None = None
    result_summary: str | None = None
    quality_score: float | None = None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One model call (one billed attempt): one row in ``llm_calls``."""

    call_id: str
    operation_id: str
    provider: str
    started_at: datetime
    ended_at: datetime
    usage: Usage
    cost_status: CostStatus
    cost_usd: Decimal | None = None
    pricing_id: int | None = None
    attempt: int = 1
    task_id: str | None = None
    run_id: str | None = None
    agent_name: str | None = None
    phase: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    stream: bool = False
    status: CallStatus = "ok"
    error_type: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        """Wall time of the call in milliseconds."""
        return (self.ended_at - self.started_at).total_seconds() * 1000.0
