"""Re-pricing stored calls on purpose (``tessera pricing reprice``, DESIGN §5).

A call's cost is frozen when it is recorded. Re-pricing recomputes the calls
of a time range with the price rows in force now, and rewrites, in the same
transaction, the totals that were summed from them: the task rows and the
``agent_performance`` rows of the affected tasks. Calls whose result does not
change are not written.

Costs are computed in integer picodollars when every rate is a whole number of
picodollars per token (all built-in rates are), else with exact Decimals; both
give the number the recording path stores.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from tessera.pricing.formula import compute_cost, rates_for
from tessera.pricing.row import PriceRow
from tessera.store.convert import from_pusd, iso_utc, parse_time, to_pusd
from tessera.usage import CACHE_WRITE_1H, Usage

_PUSD_PER_USD_PER_MTOK = Decimal(10**6)  # a rate per MTok is this many pUSD per token
_SELECT = """SELECT rowid, provider, COALESCE(response_model, request_model), started_at,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    usage_reported, cost_pusd, cost_status, pricing_id, task_id,
    CASE WHEN cache_write_tokens > 0 THEN extras END
FROM llm_calls WHERE started_at >= ?"""
_UPDATE = """UPDATE llm_calls SET cost_usd = ?, cost_pusd = ?, cost_status = ?, pricing_id = ?
WHERE rowid = ?"""
_SUMS = """SELECT COUNT(*), COALESCE(SUM(cost_pusd), 0),
    SUM(CASE WHEN cost_pusd IS NULL THEN 1 ELSE 0 END) FROM llm_calls WHERE task_id = ?"""
# A phase's start is rebuilt from its end and duration; one millisecond of slack
# covers the truncation of stored times to milliseconds.
_SLACK = timedelta(milliseconds=1)


class Pricer(Protocol):
    """What re-pricing needs from a cost calculator."""

    def price_for(
        self, model: str, provider: str | None = None, at: datetime | date | None = None
    ) -> PriceRow | None:
        """The row in force for a call of ``model`` through ``provider`` at ``at``."""
        ...


@dataclass(frozen=True, slots=True)
class RepriceResult:
    """What a re-pricing did (or, for a dry run, would do).

    Attributes:
        examined: Calls in the range.
        changed: Calls whose cost, status or price row changed.
        newly_priced: Calls that had no price and have one now.
        now_unpriced: Calls that had a price and have none now.
        cost_before: Exact known cost of the range before.
        cost_after: Exact known cost of the range after.
        tasks: Task rows whose totals were recomputed.
        phases: ``agent_performance`` rows whose cost was recomputed.
        dry_run: Nothing was written.
    """

    examined: int
    changed: int
    newly_priced: int
    now_unpriced: int
    cost_before: Decimal
    cost_after: Decimal
    tasks: int
    phases: int
    dry_run: bool


class _Costing:
    """Per-row cost with cached lookups and integer rates."""

    def __init__(self, pricer: Pricer) -> None:
        self._pricer = pricer
        self._rows: dict[tuple[str | None, str, str], PriceRow | None] = {}
        self._rates: dict[tuple[int, bool], tuple[int, ...] | None] = {}

    def row(self, provider: str | None, model: str, started_at: str) -> PriceRow | None:
        key = (provider, model, started_at[:10])
        try:
            return self._rows[key]
        except KeyError:
            moment = parse_time(started_at)
            found = self._rows[key] = self._pricer.price_for(model, provider, moment)
            return found

    def pusd(self, row: PriceRow, counts: tuple[int, int, int, int, int, int]) -> int:
        total_in, total_out, read, write, write_1h, reasoning = counts
        rates = rates_for(row, total_in)
        key = (id(row), rates.long_context)
        if key not in self._rates:
            scaled = [
                rate * _PUSD_PER_USD_PER_MTOK
                for rate in (
                    rates.input,
                    rates.cache_read,
                    rates.cache_write,
                    rates.cache_write_1h,
                    rates.output,
                    rates.reasoning,
                )
            ]
            whole = all(value == value.to_integral_value() for value in scaled)
            self._rates[key] = tuple(int(value) for value in scaled) if whole else None
        ints = self._rates[key]
        if ints is None:
            usage = Usage(
                row.provider,
                row.model_name,
                total_in,
                total_out,
                cache_read_tokens=read,
                cache_write_tokens=write,
                reasoning_tokens=reasoning,
                extras={CACHE_WRITE_1H: write_1h},
                reported=True,
            )
            return to_pusd(compute_cost(row, usage))
        r_in, r_read, r_write, r_1h, r_out, r_reason = ints
        return (
            (total_in - read - write) * r_in
            + read * r_read
            + (write - write_1h) * r_write
            + write_1h * r_1h
            + (total_out - reasoning) * r_out
            + reasoning * r_reason
        )


def _counts(values: tuple[Any, ...]) -> tuple[int, int, int, int, int, int] | None:
    """The six counts of a stored call, or None when they cannot be priced."""
    total_in, total_out, read, write, reasoning, reported, extras = values
    if not reported or total_in is None or total_out is None:
        return None
    read, write, reasoning = read or 0, write or 0, reasoning or 0
    write_1h = 0
    if extras:
        write_1h = json.loads(extras).get("usage_extras", {}).get(CACHE_WRITE_1H) or 0
    if (
        min(total_in, total_out, read, write, reasoning, write_1h) < 0
        or read + write > total_in
        or write_1h > write
        or reasoning > total_out
    ):
        return None
    return (total_in, total_out, read, write, write_1h, reasoning)


def reprice(
    conn: sqlite3.Connection,
    pricer: Pricer,
    since: datetime,
    until: datetime | None = None,
    dry_run: bool = False,
) -> RepriceResult:
    """Recompute the cost of the calls started in ``[since, until)``; write unless ``dry_run``.

    Runs inside the caller's transaction (a write transaction unless ``dry_run``).
    """
    sql, params = _SELECT, [iso_utc(since)]
    if until is not None:
        sql += " AND started_at < ?"
        params.append(iso_utc(until))
    costing = _Costing(pricer)
    updates: list[tuple[float | None, int | None, str, int | None, int]] = []
    tasks: set[str] = set()
    examined = newly = lost = before = after = 0
    for values in conn.execute(sql, params):
        rowid, provider, model, started = values[:4]
        old_pusd, old_status, old_id, task_id = values[10:14]
        examined += 1
        before += old_pusd or 0
        counts = _counts(values[4:10] + values[14:15])
        row = None if counts is None or not model else costing.row(provider, model, started)
        if counts is None:
            status, pusd = "no_usage", None
        elif row is None:
            status, pusd = "unpriced", None
        else:
            status, pusd = "priced", costing.pusd(row, counts)
        price_id = row.id if row is not None else None
        after += pusd or 0
        if (pusd, status, price_id) == (old_pusd, old_status, old_id):
            continue
        newly += old_pusd is None and pusd is not None
        lost += old_pusd is not None and pusd is None
        cost = None if pusd is None else pusd / 10**12
        updates.append((cost, pusd, status, price_id, rowid))
        if task_id is not None:
            tasks.add(task_id)
    phases = 0
    if not dry_run:
        conn.executemany(_UPDATE, updates)
        phases = _retotal(conn, tasks)
    else:
        phases = _count_phases(conn, tasks)
    return RepriceResult(
        examined=examined,
        changed=len(updates),
        newly_priced=newly,
        now_unpriced=lost,
        cost_before=from_pusd(before),
        cost_after=from_pusd(after),
        tasks=len(tasks),
        phases=phases,
        dry_run=dry_run,
    )


def _count_phases(conn: sqlite3.Connection, tasks: Iterable[str]) -> int:
    return sum(
        conn.execute("SELECT COUNT(*) FROM agent_performance WHERE task_id = ?", (t,)).fetchone()[0]
        for t in tasks
    )


def _retotal(conn: sqlite3.Connection, tasks: Iterable[str]) -> int:
    """Recompute the cost totals of the given tasks and their finished phases."""
    phases = 0
    for task_id in sorted(tasks):
        _, pusd, unpriced = conn.execute(_SUMS, (task_id,)).fetchone()
        # Only finished tasks carry totals; a running one gets them when it finishes.
        conn.execute(
            """UPDATE task_assignments SET cost_usd = ?, cost_pusd = ?, unpriced_calls = ?
               WHERE task_id = ? AND cost_pusd IS NOT NULL""",
            (float(from_pusd(pusd)), pusd, unpriced or 0, task_id),
        )
        rows = conn.execute(
            "SELECT id, timestamp, duration_seconds FROM agent_performance WHERE task_id = ?",
            (task_id,),
        ).fetchall()
        for perf_id, ended, duration in rows:
            end = parse_time(ended)
            if end is None or duration is None:
                continue
            start = iso_utc(end - timedelta(seconds=duration) - _SLACK)
            _, pusd, unpriced = conn.execute(
                _SUMS + " AND started_at >= ? AND started_at <= ?", (task_id, start, ended)
            ).fetchone()
            conn.execute(
                """UPDATE agent_performance SET cost_usd = ?, cost_pusd = ?, unpriced_calls = ?
                   WHERE id = ?""",
                (float(from_pusd(pusd)), pusd, unpriced or 0, perf_id),
            )
            phases += 1
    return phases
