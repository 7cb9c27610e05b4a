"""The query API: cost groups (time zones included), summaries, listings, ranges."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tessera.records import CallRecord, CostStatus, TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.usage import Usage

NEW_YORK = ZoneInfo("America/New_York")


def _call(
    call_id: str,
    at: datetime,
    cost: str | None,
    *,
    agent: str | None = "coder",
    task_id: str | None = None,
    provider: str = "openai",
    request_model: str | None = "gpt-4o",
    response_model: str | None = None,
    status: CostStatus | None = None,
    reported: bool = True,
) -> CallRecord:
    usage = (
        Usage(provider, response_model, 100, 10, 110, 40, 0, 5, reported=True)
        if reported
        else Usage.not_reported(provider, response_model, "no usage in response")
    )
    return CallRecord(
        call_id=call_id,
        operation_id=call_id,
        provider=provider,
        started_at=at,
        ended_at=at + timedelta(seconds=1),
        usage=usage,
        cost_status=status or ("priced" if cost is not None else "unpriced"),
        cost_usd=None if cost is None else Decimal(cost),
        agent_name=agent,
        task_id=task_id,
        request_model=request_model,
        response_model=response_model,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetricsStore]:
    with MetricsStore(tmp_path / "m.db") as opened:
        yield opened


@pytest.fixture
def local_zone() -> Iterator[None]:
    # India is UTC+5:30 all year: a half-hour offset, so UTC hours straddle local days.
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_cost_by_day_uses_the_zones_offset_on_a_dst_day(store: MetricsStore) -> None:
    # 2026-03-08 is the day New York springs forward (02:00 EST -> 03:00 EDT).
    before_switch = datetime(2026, 3, 8, 0, 30, tzinfo=NEW_YORK)  # EST: 05:30Z on the 8th
    late_evening = datetime(2026, 3, 8, 23, 30, tzinfo=NEW_YORK)  # EDT: 03:30Z on the 9th
    next_day = datetime(2026, 3, 9, 0, 30, tzinfo=NEW_YORK)  # EDT: 04:30Z on the 9th
    store.record_call(_call("a", before_switch, "0.1"))
    store.record_call(_call("b", late_evening, "0.2"))
    store.record_call(_call("c", next_day, "0.4"))

    local = store.cost_by("day", tz="America/New_York")
    # In New York: the 8th holds a and b (0.1 + 0.2), the 9th holds c.
    assert [(g.key, g.calls, g.cost_usd) for g in local] == [
        ("2026-03-08", 2, Decimal("0.3")),
        ("2026-03-09", 1, Decimal("0.4")),
    ]
    # In UTC the 23:30 call belongs to the 9th: 0.2 + 0.4.
    utc = store.cost_by("day", tz=UTC)
    assert [(g.key, g.calls, g.cost_usd) for g in utc] == [
        ("2026-03-08", 1, Decimal("0.1")),
        ("2026-03-09", 2, Decimal("0.6")),
    ]


def test_cost_by_day_defaults_to_the_machines_zone(
    store: MetricsStore, local_zone: None, tmp_path: Path
) -> None:
    # 18:29Z is 23:59 in India (30 June); 18:45Z is 00:15 on 1 July.
    store.record_call(_call("a", datetime(2026, 6, 30, 18, 29, tzinfo=UTC), "1"))
    store.record_call(_call("b", datetime(2026, 6, 30, 18, 45, tzinfo=UTC), "2"))
    groups = store.cost_by()
    assert [(g.key, g.cost_usd) for g in groups] == [
        ("2026-06-30", Decimal("1")),
        ("2026-07-01", Decimal("2")),
    ]
    # The daily_cost view for sqlite3 users uses the same local zone.
    with closing(sqlite3.connect(tmp_path / "m.db")) as conn:
        rows = conn.execute("SELECT day, calls, cost_usd FROM daily_cost ORDER BY day").fetchall()
    assert rows == [("2026-06-30", 1, 1.0), ("2026-07-01", 1, 2.0)]


def test_cost_by_model_agent_and_provider(store: MetricsStore) -> None:
    at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    store.record_call(_call("a", at, "0.5", response_model="gpt-4o-2024-08-06"))
    store.record_call(_call("b", at, "0.25", response_model="gpt-4o-2024-08-06", agent="rev"))
    store.record_call(_call("c", at, "1", request_model="gpt-4o"))  # no served model
    store.record_call(
        _call("d", at, None, provider="anthropic", request_model="claude-x", agent=None)
    )
    by_model = store.cost_by("model")
    # Most expensive first: gpt-4o (1), the snapshot (0.5 + 0.25), claude-x (unknown).
    assert [(g.key, g.calls, g.cost_usd, g.unpriced_calls) for g in by_model] == [
        ("gpt-4o", 1, Decimal("1"), 0),
        ("gpt-4o-2024-08-06", 2, Decimal("0.75"), 0),
        ("claude-x", 1, Decimal("0"), 1),
    ]
    by_agent = store.cost_by("agent")
    # coder: 0.5 + 1; rev: 0.25; calls without an agent under None.
    assert [(g.key, g.cost_usd) for g in by_agent] == [
        ("coder", Decimal("1.5")),
        ("rev", Decimal("0.25")),
        (None, Decimal("0")),
    ]
    by_provider = {g.key: g for g in store.cost_by("provider")}
    # openai: three calls of 100 input (40 cached) and 10 output (5 reasoning) tokens.
    openai = by_provider["openai"]
    assert (openai.input_tokens, openai.cache_read_tokens, openai.output_tokens) == (300, 120, 30)
    assert (openai.reasoning_tokens, openai.cache_write_tokens) == (15, 0)
    assert by_provider["anthropic"].unpriced_calls == 1


def test_cost_by_rejects_unknown_group_and_zone(store: MetricsStore) -> None:
    with pytest.raises(ValueError, match="group must be one of day, agent, model"):
        store.cost_by("week")
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        store.cost_by("day", tz="Mars/Olympus")


def test_spend_range_is_half_open(store: MetricsStore) -> None:
    start = datetime(2026, 2, 1, tzinfo=UTC)
    store.record_call(_call("a", start, "0.000000000001"))  # one picodollar
    store.record_call(_call("b", start + timedelta(hours=1), "0.02"))
    store.record_call(_call("c", start + timedelta(hours=2), "0.3"))
    # since included, until excluded: a + b = 0.020000000001
    assert store.spend(start, start + timedelta(hours=2)) == Decimal("0.020000000001")
    # naive datetimes are UTC: from 01:00 on, b + c = 0.32
    assert store.spend(since=datetime(2026, 2, 1, 1)) == Decimal("0.32")
    assert store.totals().cost_usd == Decimal("0.320000000001")


def _finish(store: MetricsStore, task_id: str, agent: str, at: datetime, ok: bool) -> None:
    store.start_task(TaskStart(task_id, agent, at))
    store.finish_task(TaskEnd(task_id, agent, None, None, at, at + timedelta(seconds=4), ok))


def test_agent_summary_orders_by_cost_and_filters_by_time(store: MetricsStore) -> None:
    day1 = datetime(2026, 4, 1, 9, tzinfo=UTC)
    day2 = day1 + timedelta(days=1)
    store.start_task(TaskStart("t1", "planner", day1))
    store.record_call(_call("a", day1, "0.01", task_id="t1"))
    store.record_call(_call("b", day1, None, task_id="t1"))
    store.finish_task(TaskEnd("t1", "planner", None, None, day1, day1 + timedelta(seconds=2), True))
    store.start_task(TaskStart("t2", "coder", day1))
    store.record_call(_call("c", day1, "0.5", task_id="t2"))
    store.finish_task(TaskEnd("t2", "coder", None, None, day1, day1 + timedelta(seconds=6), False))
    _finish(store, "t3", "coder", day2, True)

    summary = store.agent_summary()
    coder, planner = summary
    # coder: 2 phases, 1 success, (6 + 4) / 2 = 5 s, $0.5
    assert (coder.agent_name, coder.tasks, coder.successes, coder.success_rate) == (
        "coder",
        2,
        1,
        0.5,
    )
    assert (coder.avg_duration_seconds, coder.total_cost_usd) == (5.0, Decimal("0.5"))
    assert (planner.total_cost_usd, planner.unpriced_calls) == (Decimal("0.01"), 1)
    # Only day 2's finished phase (t3, ended 09:00:04 on the 2nd).
    later = store.agent_summary(since=day2)
    assert [(s.agent_name, s.tasks, s.total_cost_usd) for s in later] == [
        ("coder", 1, Decimal("0"))
    ]


def test_tasks_newest_first_with_filters(store: MetricsStore) -> None:
    base = datetime(2026, 4, 1, tzinfo=UTC)
    for index, (agent, ok) in enumerate([("a", True), ("b", False), ("a", False)]):
        _finish(store, f"t{index}", agent, base + timedelta(minutes=index), ok)
    store.start_task(TaskStart("t3", "a", base + timedelta(minutes=3)))
    assert [t.task_id for t in store.tasks()] == ["t3", "t2", "t1", "t0"]
    assert [t.task_id for t in store.tasks(status="failed")] == ["t2", "t1"]
    assert [t.task_id for t in store.tasks(agent="a", limit=2)] == ["t3", "t2"]
    assert store.totals().tasks == 4


def test_calls_listing_and_unpriced_models(store: MetricsStore) -> None:
    at = datetime(2026, 4, 1, tzinfo=UTC)
    store.record_call(_call("a", at, None, request_model="mystery-1", task_id="t1"))
    store.record_call(_call("b", at + timedelta(hours=1), None, request_model="mystery-1"))
    store.record_call(_call("c", at + timedelta(hours=2), "0.1", task_id="t1"))
    store.record_call(
        _call("d", at, None, request_model="quiet", status="no_usage", reported=False)
    )
    assert [c.call_id for c in store.calls()] == ["c", "b", "d", "a"]
    assert [c.call_id for c in store.calls(task_id="t1")] == ["c", "a"]
    assert [c.call_id for c in store.calls(since=at + timedelta(minutes=30), limit=1)] == ["c"]
    quiet = store.calls(task_id=None, agent="coder", until=at + timedelta(seconds=1))
    assert {c.call_id for c in quiet} == {"a", "d"}
    no_usage = next(c for c in quiet if c.call_id == "d")
    assert (no_usage.usage_reported, no_usage.input_tokens, no_usage.cost_usd) == (
        False,
        None,
        None,
    )
    # The call without usage is not "unpriced": only model "mystery-1" is listed.
    [model] = store.unpriced_models()
    assert (model.provider, model.model, model.calls) == ("openai", "mystery-1", 2)
    assert (model.first_seen, model.last_seen) == (at, at + timedelta(hours=1))
