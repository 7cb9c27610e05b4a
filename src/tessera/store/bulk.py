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

import sqlite3
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from tessera.records import CallRecord
from tessera.store.call_row import INSERT_CALL as _INSERT
from tessera.store.call_row import call_row as _row

if TYPE_CHECKING:
    from tessera.store import MetricsStore

__all__ = ["DEFAULT_BATCH", "record_calls"]

#: Rows per transaction: large enough that the commit cost vanishes, small
#: enough that another process waiting for the lock is not held up long.
DEFAULT_BATCH = 50_000


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
