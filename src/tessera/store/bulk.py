"""Bulk import of recorded calls: many ``llm_calls`` rows in one transaction.

:meth:`MetricsStore.record_call` makes each call durable on its own, one
``BEGIN IMMEDIATE`` ... ``COMMIT`` per row, which is what a live agent needs.
Importing calls recorded elsewhere (another machine's database, a replayed
trace, a benchmark) needs throughput instead: here the rows are converted in
Python and written with one ``executemany`` per batch, each batch one
transaction, so a failure loses at most the batch being written and leaves
every earlier batch committed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from tessera.records import CallRecord
from tessera.store.convert import PUSD_PER_USD, from_pusd, iso_utc, to_pusd
from tessera.store.writes import _call_extras, _check_cost

if TYPE_CHECKING:
    from tessera.store import MetricsStore

__all__ = ["DEFAULT_BATCH", "record_calls"]

#: Rows per transaction: large enough that the commit cost vanishes, small
#: enough that another process waiting for the lock is not held up long.
DEFAULT_BATCH = 50_000

_INSERT = """INSERT INTO llm_calls (call_id, operation_id, attempt, task_id, run_id, trace_id,
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


def _iso(moment: datetime) -> str:
    """``convert.iso_utc`` through the C ``isoformat`` (it truncates to ms the same way)."""
    if moment.tzinfo is UTC:
        return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
    return iso_utc(moment)


@lru_cache(maxsize=4096)
def _pusd(cost: Decimal) -> int:
    # Imported calls repeat the same few costs (same model, same sizes) often.
    return to_pusd(cost)


def _usd(pusd: int) -> float:
    if abs(pusd) < _EXACT_FLOAT_PUSD:
        return pusd / PUSD_PER_USD
    return float(from_pusd(pusd))


def _json(value: Mapping[str, Any]) -> str:
    return _encode(dict(value)) if value else "{}"


def _row(record: CallRecord) -> tuple[Any, ...]:
    """The column values of one call, as :func:`tessera.store.writes.record_call` writes them."""
    _check_cost(record)
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
        _json(_call_extras(record)),
    )


def _batches(records: Iterable[CallRecord], size: int) -> Iterator[list[CallRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def record_calls(
    store: MetricsStore, records: Iterable[CallRecord], batch_size: int = DEFAULT_BATCH
) -> int:
    """Write many calls, ``batch_size`` rows per transaction; return how many were written.

    Each row is the one :meth:`MetricsStore.record_call` would write, and a
    call's cost-limit reservation, if any, is released in the same transaction.

    Args:
        store: An SQLite :class:`MetricsStore`.
        records: The calls, in any number; consumed lazily, one batch at a time.
        batch_size: Rows per transaction.

    Raises:
        ValueError: A record's cost contradicts its ``cost_status``, or
            ``batch_size`` is below 1; no row of that batch is written.
        StoreError: A batch cannot be written (for example a repeated
            ``call_id``); the batches before it stay committed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    written = 0
    for batch in _batches(records, batch_size):
        rows = [_row(record) for record in batch]
        with store._write() as conn:
            _release(conn, rows)
            conn.executemany(_INSERT, rows)
        written += len(rows)
    return written


def _release(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    # Reservations are rare (hard limits with an estimate) and short-lived: skip
    # the delete entirely when there are none, the usual case for an import.
    if conn.execute("SELECT 1 FROM cost_reservations LIMIT 1").fetchone() is None:
        return
    conn.executemany("DELETE FROM cost_reservations WHERE call_id = ?", ((r[0],) for r in rows))
