"""Where the runtime meets the cost limits: admission before a call, notices after it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from opentelemetry.trace import Span, Status, StatusCode

from tessera._log import log_internal_error, logger
from tessera.errors import CostLimitExceeded, CostLimitWarning
from tessera.limits import CostLimits, SpendGuard
from tessera.limits.policy import usd_amount
from tessera.pricing import CostCalculator
from tessera.records import CallRecord
from tessera.store import MetricsStore
from tessera.tracing import attributes as attr

if TYPE_CHECKING:
    from tessera.config import TesseraConfig
    from tessera.runtime.calls import CallRecording

#: A cost bound the caller gave for the calls made in a block (see ``Observer.estimate``).
caller_estimate: ContextVar[Decimal | None] = ContextVar("tessera_estimate", default=None)

LIMIT_CROSSED_EVENT = "tessera.cost_limit.crossed"
LIMIT_REFUSED_EVENT = "tessera.cost_limit.refused"


def make_guard(
    config: TesseraConfig,
    limits: CostLimits | None,
    store: MetricsStore | None,
    calculator: CostCalculator,
) -> SpendGuard | None:
    """The guard for ``limits`` (default: the configuration's); None when nothing is limited.

    Limits need the store: spend is what every process sharing it recorded.
    """
    limits = limits if limits is not None else CostLimits.from_config(config)
    if store is None or not limits.any:
        return None
    zone = ZoneInfo(config.cost.timezone) if config.cost.timezone else None
    return SpendGuard(limits, store.ledger(), calculator, zone)


def estimated_cost(usd: Decimal | float | str) -> AbstractContextManager[None]:
    """Use ``usd`` as the cost bound of each call made in the block.

    Raises:
        ValueError: ``usd`` is not a finite amount of at least 0 (a negative or
            NaN bound would let every call past a hard limit).
    """
    return _estimate_block(usd_amount("estimate", usd))


@contextmanager
def _estimate_block(usd: Decimal) -> Iterator[None]:
    token = caller_estimate.set(usd)
    try:
        yield
    finally:
        caller_estimate.reset(token)


def admit(guard: SpendGuard, recording: CallRecording, request: Mapping[str, Any] | None) -> None:
    """Reserve the call's bound under the hard limits, or end its span refused and raise."""
    try:
        guard.admit_call(
            call_id=recording.call_id,
            task_id=recording.task.task_id if recording.task else None,
            provider=recording.provider,
            model=recording.request_model,
            request=request,
            estimate_usd=caller_estimate.get(),
            now=recording.started_at,
        )
    except CostLimitExceeded as refusal:
        recording.refuse(refusal)
        raise
    except Exception as fault:
        # The ledger cannot be read (the store is down, locked past its timeout,
        # refused): a hard limit that cannot be checked does not let money out.
        log_internal_error("reserving a call's cost under the hard limits", "call refused")
        denied = unverifiable(fault)
        recording.refuse(denied)
        raise denied from fault


def check_task_start(guard: SpendGuard, task_id: str, started: datetime) -> None:
    """Refuse a task that would start past a hard limit, or when the limit cannot be checked."""
    try:
        guard.check_task_start(task_id, started)
    except CostLimitExceeded:
        raise
    except Exception as fault:
        log_internal_error("checking the cost limits at a task's start", "task refused")
        raise unverifiable(fault) from fault


def unverifiable(fault: BaseException) -> CostLimitExceeded:
    """The refusal given when the store that holds the limits cannot be read."""
    return CostLimitExceeded(
        "hard limit",
        None,
        None,
        message=(
            "a hard cost limit is configured but the metrics store that holds it cannot "
            f"be read ({type(fault).__name__}: {fault}); the request was not sent"
        ),
    )


def report_crossings(guard: SpendGuard, record: CallRecord, span: Span | None) -> None:
    """Warn (soft limits) and log once per limit and window when this call crossed one."""
    for crossing in guard.crossings(record.task_id, record.started_at, datetime.now(UTC)):
        message = crossing.describe()
        logger.warning("%s", message)
        if span is not None:
            span.add_event(
                LIMIT_CROSSED_EVENT,
                {
                    "tessera.limit": crossing.standing.budget.name,
                    "tessera.limit.enforcement": crossing.enforcement,
                    "tessera.limit.spent_usd": float(crossing.standing.spent_usd),
                    "tessera.limit.cap_usd": float(crossing.standing.budget.cap_usd),
                },
            )
        if crossing.enforcement == "soft":
            warnings.warn(message, CostLimitWarning, stacklevel=2)


def mark_refused(span: Span, refusal: CostLimitExceeded) -> None:
    """Put a refusal on a span: an event and an error status."""
    span.add_event(LIMIT_REFUSED_EVENT, {"tessera.limit": refusal.limit})
    span.set_attribute(attr.ERROR_TYPE, type(refusal).__name__)
    span.set_status(Status(StatusCode.ERROR, str(refusal)))
