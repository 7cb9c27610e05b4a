"""One ``llm_calls`` row from a :class:`CallRecord`: what the live write and the bulk import store.

Both paths build the row here, so an imported call is stored exactly like a
recorded one. The conversion runs once per model call on the agent's hot path,
so it avoids per-call work that gives the same result: the C ``isoformat``
instead of ``strftime``, one JSON encoder, a cache of picodollar amounts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, get_args

from tessera.records import CallRecord, CostStatus
from tessera.store.convert import PUSD_PER_USD, from_pusd, iso_utc, to_pusd

_COST_STATUSES = frozenset(get_args(CostStatus))

INSERT_CALL = """INSERT INTO llm_calls (call_id, operation_id, attempt, task_id, run_id, trace_id,
       span_id, agent_name, phase, provider, request_model, response_model, started_at,
       ended_at, duration_ms, input_tokens, output_tokens, total_tokens,
       cache_read_tokens, cache_write_tokens, reasoning_tokens, usage_reported, cost_usd,
       cost_pusd, cost_status, pricing_id, stream, status, error_type, raw_usage, extras)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
       ?, ?, ?, ?, ?)"""

# The same JSON as ``convert.to_json``, without building an encoder per call.
_encode = json.JSONEncoder(default=str, separators=(",", ":"), sort_keys=True).encode
# Below 2**53 picodollars (about $9000 per call) both operands of the division
# are exact floats, so IEEE division gives the correctly rounded quotient:
# the same float as ``float(from_pusd(pusd))``.
_EXACT_FLOAT_PUSD = 2**53


def check_cost(record: CallRecord) -> None:
    """Raise ``ValueError`` when the record's cost contradicts its ``cost_status``."""
    if record.cost_status not in _COST_STATUSES:
        raise ValueError(
            f"call {record.call_id}: cost_status must be one of {sorted(_COST_STATUSES)}, "
            f"got {record.cost_status!r}"
        )
    if record.cost_status == "priced" and record.cost_usd is None:
        raise ValueError(f"call {record.call_id}: cost_status 'priced' needs a cost_usd")
    if record.cost_status != "priced" and record.cost_usd is not None:
        raise ValueError(
            f"call {record.call_id}: cost_status {record.cost_status!r} must not carry a cost"
        )


def call_extras(record: CallRecord) -> dict[str, Any]:
    """The ``extras`` column: what the record carries beyond the fixed columns."""
    usage = record.usage
    extras: dict[str, Any] = {
        "usage_extras": dict(usage.extras),
        "problems": list(usage.problems),
        "estimated_fields": sorted(usage.estimated_fields),
        "response_id": usage.response_id,
        "call_extras": dict(record.extras),
    }
    return {key: value for key, value in extras.items() if value}


def _iso(moment: datetime) -> str:
    """``convert.iso_utc`` through the C ``isoformat`` (it truncates to ms the same way)."""
    if moment.tzinfo is UTC:
        return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
    return iso_utc(moment)


@lru_cache(maxsize=4096)
def _pusd(cost: Decimal) -> int:
    # Calls repeat the same few costs (same model, same sizes) often.
    return to_pusd(cost)


def _usd(pusd: int) -> float:
    if abs(pusd) < _EXACT_FLOAT_PUSD:
        return pusd / PUSD_PER_USD
    return float(from_pusd(pusd))


def _json(value: Mapping[str, Any]) -> str:
    return _encode(dict(value)) if value else "{}"


def call_row(record: CallRecord) -> tuple[Any, ...]:
    """The column values of :data:`INSERT_CALL` for one call.

    Raises:
        ValueError: The cost contradicts ``cost_status`` (see :func:`check_cost`).
    """
    check_cost(record)
    usage = record.usage
    pusd = None if record.cost_usd is None else _pusd(record.cost_usd)
    return (
        record.call_id,
        record.operation_id,
        record.attempt,
        record.task_id,
        record.run_id,
        record.trace_id,
        record.span_id,
        record.agent_name,
        record.phase,
        record.provider,
        record.request_model,
        record.response_model or usage.model,
        _iso(record.started_at),
        _iso(record.ended_at),
        record.duration_ms,
        usage.input_tokens,
        usage.output_tokens,
        usage.total_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.reasoning_tokens,
        int(usage.reported),
        None if pusd is None else _usd(pusd),
        pusd,
        record.cost_status,
        record.pricing_id,
        int(record.stream),
        record.status,
        record.error_type,
        _json(usage.raw),
        _json(call_extras(record)),
    )
