"""The run and task currently open, carried in context variables.

Context variables follow ``asyncio`` tasks and threads started with a copied
context (``contextvars.copy_context().run``, ``asyncio.to_thread``, or
:mod:`tessera.runtime.context` for executors), so a call made anywhere inside
``with observer.task(...)`` lands in that task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from tessera.tracing import attributes as attr

# GenAI semantic-convention names of the execute_tool span.
GEN_AI_TOOL_NAME = "gen_ai.tool.name"
GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id"


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
    tracer: Tracer
    quality_score: float | None = None
    result_summary: str | None = None
    calls: int = 0
    cost_usd: Decimal = field(default_factory=lambda: Decimal(0))
    unpriced_calls: int = 0

    @contextmanager
    def tool(self, name: str, call_id: str | None = None) -> Iterator[Span]:
        """Trace one tool call of this task as an ``execute_tool <name>`` span.

        Model calls made inside the block are children of the tool span. An
        exception marks the span failed (``error.type``) and propagates.

        Args:
            name: The tool's name (``gen_ai.tool.name``).
            call_id: The model's id for this tool call, when it has one.

        Yields:
            The span, for extra attributes.
        """
        with _tool_span(self, name, call_id) as span:
            yield span


@contextmanager
def _tool_span(task: TaskScope, name: str, call_id: str | None) -> Iterator[Span]:
    attributes: dict[str, Any] = {
        attr.GEN_AI_OPERATION_NAME: attr.OPERATION_EXECUTE_TOOL,
        GEN_AI_TOOL_NAME: name,
        attr.TESSERA_TASK_ID: task.task_id,
        attr.GEN_AI_AGENT_NAME: task.agent_name,
    }
    if call_id is not None:
        attributes[GEN_AI_TOOL_CALL_ID] = call_id
    # Inside this task's block the current span is the natural parent (a tool
    # within a tool nests); elsewhere, such as a thread that did not copy the
    # context, the task span is.
    parent = None if current_task.get() is task else trace.set_span_in_context(task.span)
    span = task.tracer.start_span(
        f"execute_tool {name}", context=parent, kind=trace.SpanKind.INTERNAL, attributes=attributes
    )
    try:
        with trace.use_span(span, end_on_exit=False, record_exception=False):
            yield span
    except BaseException as exc:
        span.record_exception(exc)
        span.set_attribute(attr.ERROR_TYPE, type(exc).__name__)
        span.set_status(Status(StatusCode.ERROR, str(exc)))
        raise
    finally:
        span.end()


current_run: ContextVar[RunScope | None] = ContextVar("tessera_current_run", default=None)
current_task: ContextVar[TaskScope | None] = ContextVar("tessera_current_task", default=None)


def task_span_attributes(
    task_id: str, agent_name: str, phase: str | None, run_id: str | None, task_type: str | None
) -> dict[str, str]:
    """Attributes of a task's ``invoke_agent`` span.

    The seed's keys (agent_name, task_id, phase) are always present, next to
    their GenAI semantic-convention counterparts.
    """
    values = {
        attr.SEED_AGENT_NAME: agent_name,
        attr.SEED_TASK_ID: task_id,
        attr.SEED_PHASE: phase or "",
        attr.GEN_AI_OPERATION_NAME: "invoke_agent",
        attr.GEN_AI_AGENT_NAME: agent_name,
        attr.TESSERA_TASK_ID: task_id,
    }
    if phase:
        values[attr.TESSERA_PHASE] = phase
    if run_id:
        values[attr.TESSERA_RUN_ID] = run_id
    if task_type:
        values[attr.TESSERA_TASK_TYPE] = task_type
    return values
