"""Read queries. Ranges are half-open: ``since`` included, ``until`` excluded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tessera.store.convert import from_json, from_pusd, iso_utc, parse_time
from tessera.store.daily import day_ranges
from tessera.store.results import (
    AgentSummary,
    CallRow,
    CostGroup,
    QualityIterationRow,
    StoreTotals,
    TaskRow,
    UnpricedModel,
)
from tessera.store.schema import COST_UNKNOWN

CostGroupBy = Literal["day", "agent", "model", "task", "provider"]

_GROUP_COLUMNS: dict[str, str] = {
    # Calls are bucketed by UTC minute and turned into local days in Python:
    # every zone's offset is whole minutes, so no bucket straddles midnight.
    "day": "substr(started_at, 1, 16)",
    "agent": "agent_name",
    "model": "COALESCE(response_model, request_model)",
    "task": "task_id",
    "provider": "provider",
}

_CALL_SUMS = (
    """COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
    COALESCE(SUM(cache_read_tokens), 0), COALESCE(SUM(cache_write_tokens), 0),
    COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_pusd), 0),
    SUM("""
    + COST_UNKNOWN
    + """)"""
)


def _range(
    column: str, since: datetime | None, until: datetime | None
) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append(f"{column} >= ?")
        params.append(iso_utc(since))
    if until is not None:
        clauses.append(f"{column} < ?")
        params.append(iso_utc(until))
    return clauses, params


def _where(clauses: Iterable[str]) -> str:
    joined = " AND ".join(clauses)
    return f" WHERE {joined}" if joined else ""


def resolve_zone(tz: str | tzinfo | None) -> tzinfo | None:
    """A zone from a zoneinfo name or tzinfo; ``None`` means the machine's local zone."""
    if tz is None or isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {tz!r}; use an IANA name such as 'Europe/Paris'"
        ) from exc


def _local_day(minute: str, zone: tzinfo | None) -> str:
    moment = parse_time(minute + ":00Z")
    assert moment is not None
    # astimezone(None) converts to the machine's local zone with the offset in
    # force at that instant, so DST days are right.
    return moment.astimezone(zone).date().isoformat()


def cost_by(
    conn: sqlite3.Connection,
    group: str,
    since: datetime | None,
    until: datetime | None,
    tz: str | tzinfo | None,
) -> list[CostGroup]:
    """Call counts, tokens and exact cost per group; days ascending, other groups by cost."""
    if group not in _GROUP_COLUMNS:
        raise ValueError(f"group must be one of {', '.join(_GROUP_COLUMNS)}, got {group!r}")
    zone = resolve_zone(tz) if group == "day" else None
    clauses, params = _range("started_at", since, until)
    key = _GROUP_COLUMNS[group]
    merged: dict[str | None, list[int]] = {}
    if group == "day":
        _sum_days(conn, clauses, params, zone, merged)
    else:
        sql = f"SELECT {key}, {_CALL_SUMS} FROM llm_calls{_where(clauses)} GROUP BY {key}"
        for row in conn.execute(sql, params):
            _add(merged, row[0], row[1:])
    groups = [
        CostGroup(name, s[0], s[1], s[2], s[3], s[4], s[5], from_pusd(s[6]), s[7])
        for name, s in merged.items()
    ]
    if group == "day":
        return sorted(groups, key=lambda g: g.key or "")
    return sorted(groups, key=lambda g: (-g.cost_usd, g.key or ""))


def _add(merged: dict[str | None, list[int]], name: str | None, row: Sequence[Any]) -> None:
    sums = merged.setdefault(name, [0] * 8)
    for index, value in enumerate(row):
        sums[index] += value or 0


def _sum_days(
    conn: sqlite3.Connection,
    clauses: list[str],
    params: list[Any],
    zone: tzinfo | None,
    merged: dict[str | None, list[int]],
) -> None:
    # One indexed range sum per local day (store/daily.py); a day whose UTC offset
    # changes is grouped by minute, each minute going to its own local day.
    where = "".join(f" AND {clause}" for clause in clauses)
    for day, start, end, steady in day_ranges(conn, where, params, zone):
        span = [start, end, *params]
        if steady:
            sql = f"SELECT {_CALL_SUMS} FROM llm_calls WHERE started_at >= ? AND started_at < ?"
            _add(merged, day.isoformat(), conn.execute(sql + where, span).fetchone())
            continue
        minute = _GROUP_COLUMNS["day"]
        sql = (
            f"SELECT {minute}, {_CALL_SUMS} FROM llm_calls"
            f" WHERE started_at >= ? AND started_at < ?{where} GROUP BY {minute}"
        )
        for row in conn.execute(sql, span):
            _add(merged, _local_day(row[0], zone), row[1:])
    undated = conn.execute(
        f"SELECT {_CALL_SUMS} FROM llm_calls WHERE started_at IS NULL{where}", params
    ).fetchone()
    if undated[0]:
        _add(merged, None, undated)


def agent_summary(
    conn: sqlite3.Connection, since: datetime | None, until: datetime | None
) -> list[AgentSummary]:
    """Finished phases per agent, most expensive first."""
    clauses, params = _range("timestamp", since, until)
    sql = f"""SELECT agent_name, COUNT(*), SUM(CASE WHEN success THEN 1 ELSE 0 END),
                  AVG(duration_seconds), COALESCE(SUM(cost_pusd), 0),
                  COALESCE(SUM(unpriced_calls), 0)
              FROM agent_performance{_where(clauses)} GROUP BY agent_name"""
    summaries = [
        AgentSummary(name, tasks, ok, ok / tasks, avg, from_pusd(pusd), unpriced)
        for name, tasks, ok, avg, pusd, unpriced in conn.execute(sql, params)
    ]
    return sorted(summaries, key=lambda s: (-s.total_cost_usd, s.agent_name or ""))


_TASK_COLUMNS = """task_id, agent_name, status, description, type, phase, run_id, assigned_at,
    started_at, completed_at, result_summary, error_message, quality_score, trace_id, span_id,
    calls, input_tokens, output_tokens, cost_pusd, unpriced_calls"""


def tasks(
    conn: sqlite3.Connection,
    status: str | None,
    agent: str | None,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[TaskRow]:
    """Task rows started in ``[since, until)``, newest start first."""
    clauses, params = _range("started_at", since, until)
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    if agent is not None:
        clauses.append("agent_name = ?")
        params.append(agent)
    sql = (
        f"SELECT {_TASK_COLUMNS} FROM task_assignments{_where(clauses)} "
        "ORDER BY started_at DESC, rowid DESC LIMIT ?"
    )
    rows = []
    for r in conn.execute(sql, [*params, limit]):
        rows.append(
            TaskRow(
                task_id=r[0],
                agent_name=r[1],
                status=r[2],
                description=r[3],
                type=r[4],
                phase=r[5],
                run_id=r[6],
                assigned_at=parse_time(r[7]),
                started_at=parse_time(r[8]),
                completed_at=parse_time(r[9]),
                result_summary=r[10],
                error_message=r[11],
                quality_score=r[12],
                trace_id=r[13],
                span_id=r[14],
                calls=r[15],
                input_tokens=r[16],
                output_tokens=r[17],
                cost_usd=None if r[18] is None else from_pusd(r[18]),
                unpriced_calls=r[19],
            )
        )
    return rows


_CALL_COLUMNS = """call_id, operation_id, attempt, task_id, run_id, agent_name, phase, provider,
    request_model, response_model, started_at, ended_at, duration_ms, input_tokens,
    output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    usage_reported, cost_pusd, cost_status, pricing_id, stream, status, error_type, trace_id,
    span_id, raw_usage, extras"""


def _call_row(r: sqlite3.Row | tuple[Any, ...]) -> CallRow:
    return CallRow(
        call_id=r[0],
        operation_id=r[1],
        attempt=r[2],
        task_id=r[3],
        run_id=r[4],
        agent_name=r[5],
        phase=r[6],
        provider=r[7],
        request_model=r[8],
        response_model=r[9],
        started_at=parse_time(r[10]),
        ended_at=parse_time(r[11]),
        duration_ms=r[12],
        input_tokens=r[13],
        output_tokens=r[14],
        total_tokens=r[15],
        cache_read_tokens=r[16],
        cache_write_tokens=r[17],
        reasoning_tokens=r[18],
        usage_reported=bool(r[19]),
        cost_usd=None if r[20] is None else from_pusd(r[20]),
        cost_status=r[21],
        pricing_id=r[22],
        stream=bool(r[23]),
        status=r[24],
        error_type=r[25],
        trace_id=r[26],
        span_id=r[27],
        raw_usage=from_json(r[28]),
        extras=from_json(r[29]),
    )


def calls(
    conn: sqlite3.Connection,
    task_id: str | None,
    run_id: str | None,
    agent: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[CallRow]:
    """Call rows, newest first."""
    clauses, params = _range("started_at", since, until)
    for column, value in (("task_id", task_id), ("run_id", run_id), ("agent_name", agent)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    sql = (
        f"SELECT {_CALL_COLUMNS} FROM llm_calls{_where(clauses)} "
        "ORDER BY started_at DESC, rowid DESC LIMIT ?"
    )
    return [_call_row(r) for r in conn.execute(sql, [*params, limit])]


def unpriced_models(conn: sqlite3.Connection) -> list[UnpricedModel]:
    """Models called without a known price, most calls first."""
    sql = """SELECT provider, model, calls, first_seen, last_seen FROM unpriced_models
             ORDER BY calls DESC, provider, model"""
    return [
        UnpricedModel(provider, model, n, parse_time(first), parse_time(last))
        for provider, model, n, first, last in conn.execute(sql)
    ]


def spend(
    conn: sqlite3.Connection,
    since: datetime | None,
    until: datetime | None,
    extra: tuple[str, Any] | None = None,
) -> Decimal:
    """Exact known cost of the calls in a range (optionally of one run or task)."""
    clauses, params = _range("started_at", since, until)
    if extra is not None:
        clauses.append(f"{extra[0]} = ?")
        params.append(extra[1])
    sql = f"SELECT COALESCE(SUM(cost_pusd), 0) FROM llm_calls{_where(clauses)}"
    return from_pusd(conn.execute(sql, params).fetchone()[0])


def totals(conn: sqlite3.Connection) -> StoreTotals:
    """Calls, tasks, exact cost and unknown-cost calls in the whole store."""
    n_calls, pusd, unpriced = conn.execute(
        """SELECT COUNT(*), COALESCE(SUM(cost_pusd), 0),
                  COALESCE(SUM("""
        + COST_UNKNOWN
        + """), 0)
           FROM llm_calls"""
    ).fetchone()
    n_tasks = conn.execute("SELECT COUNT(*) FROM task_assignments").fetchone()[0]
    return StoreTotals(n_calls, n_tasks, from_pusd(pusd), unpriced)


def quality_iterations(
    conn: sqlite3.Connection, run_id: str | None, monitor: str | None
) -> list[QualityIterationRow]:
    """Recorded iterations in recording order."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("run_id", run_id), ("monitor", monitor)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    sql = f"""SELECT run_id, monitor, iteration, coverage, quality_score, tasks_completed,
                     cost_pusd, recorded_at
              FROM quality_iterations{_where(clauses)} ORDER BY id"""
    rows = []
    for run, mon, it, cov, q, done, pusd, at in conn.execute(sql, params):
        recorded = parse_time(at)
        assert recorded is not None  # NOT NULL column
        cost = None if pusd is None else from_pusd(pusd)
        rows.append(QualityIterationRow(run, mon, it, cov, q, done, cost, recorded))
    return rows
