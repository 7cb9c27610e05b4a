"""Limit rules one by one: day windows in a zone, cost bounds, unpriced models, refusals."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from runtime_support import OPENAI_HOST, Script, ask, openai_client
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.errors import CostLimitExceeded
from tessera.limits import CostLimits, SpendGuard, day_window
from tessera.limits.estimate import cost_bound, input_token_bound, output_token_bound
from tessera.pricing import CostCalculator
from tessera.records import CallRecord
from tessera.store import MetricsStore
from tessera.store.ledger import SpendLedger
from tessera.usage import Usage

TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9, no DST
NEW_YORK = ZoneInfo("America/New_York")


def test_day_window_in_a_zone_and_across_dst() -> None:
    # 2026-12-03 23:30 in Tokyo is 14:30 UTC; the Tokyo day began at 15:00 UTC on the 2nd.
    start, end, day = day_window(datetime(2026, 12, 3, 14, 30, tzinfo=UTC), TOKYO)
    assert (start, end, day) == (
        datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
        "2026-12-03",
    )
    # 2026-11-01 in New York: clocks go back, so the day is 25 hours (04:00Z to 05:00Z next day).
    start, end, day = day_window(datetime(2026, 11, 1, 12, 0, tzinfo=UTC), NEW_YORK)
    assert day == "2026-11-01" and (end - start).total_seconds() == 25 * 3600


def _call(call_id: str, started: datetime, cost: Decimal) -> CallRecord:
    usage = Usage(
        provider="openai",
        model="gpt-4o-mini",
        input_tokens=1,
        output_tokens=1,
        total_tokens=2,
        reported=True,
    )
    return CallRecord(
        call_id=call_id,
        operation_id=call_id,
        provider="openai",
        started_at=started,
        ended_at=started,
        usage=usage,
        cost_status="priced",
        cost_usd=cost,
    )


def test_spend_before_local_midnight_does_not_count_after_it(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path / "m.db")
    # $0.90 spent at 23:30 Tokyo time on 3 December (14:30 UTC).
    store.record_call(_call("late", datetime(2026, 12, 3, 14, 30, tzinfo=UTC), Decimal("0.9")))
    guard = SpendGuard(
        CostLimits(daily_usd=Decimal("1"), daily_enforcement="hard"),
        SpendLedger(store),
        CostCalculator(),
        TOKYO,
    )
    # At 23:45 Tokyo the same day, a $0.20 call would make $1.10 > $1.00: refused.
    with pytest.raises(CostLimitExceeded) as refused:
        guard.admit_call(
            call_id="a",
            task_id=None,
            provider="openai",
            model="gpt-4o-mini",
            request=None,
            estimate_usd=Decimal("0.2"),
            now=datetime(2026, 12, 3, 14, 45, tzinfo=UTC),
        )
    assert refused.value.spent_usd == Decimal("0.9")
    assert "cost.limits.global.daily_usd" in str(refused.value)
    # At 00:15 Tokyo on the 4th (15:15 UTC on the 3rd) it is a new day: $0.20 fits.
    reserved = guard.admit_call(
        call_id="b",
        task_id=None,
        provider="openai",
        model="gpt-4o-mini",
        request=None,
        estimate_usd=Decimal("0.2"),
        now=datetime(2026, 12, 3, 15, 15, tzinfo=UTC),
    )
    assert reserved == Decimal("0.2")
    store.close()


def test_cost_bound_is_never_below_the_real_cost() -> None:
    price = CostCalculator().price_for("claude-sonnet-4-20250514", "anthropic")
    assert price is not None
    request = {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hé"}],
    }
    # '{"messages": [{"role": "user", "content": "hé"}]}' is 49 characters:
    # 13 for '{"messages": ', 35 for the list, 1 for '}'; "é" is 2 bytes: 50 bytes.
    assert input_token_bound(request) == 50
    assert output_token_bound(request, 4096) == 100
    assert output_token_bound({"model": "x"}, 4096) == 4096
    # Dearest input rate is the 1-hour cache write, $6; output $15:
    # 50×6 + 100×15 = 300 + 1,500 = 1,800 → $0.0018.
    assert cost_bound(price, 50, 100) == Decimal("0.0018")


def test_unpriced_model_under_a_hard_limit(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path / "m.db")
    refuse = SpendGuard(
        CostLimits(daily_usd=Decimal("5"), daily_enforcement="hard"),
        SpendLedger(store),
        CostCalculator(),
        None,
    )
    with pytest.raises(CostLimitExceeded) as refused:
        refuse.admit_call(
            call_id="c",
            task_id=None,
            provider="openai",
            model="acme-9",
            request={"max_tokens": 10},
            estimate_usd=None,
            now=datetime.now(UTC),
        )
    assert "has no price" in str(refused.value)
    assert "tessera pricing add acme-9" in str(refused.value)
    allow = SpendGuard(
        CostLimits(daily_usd=Decimal("5"), daily_enforcement="hard", unpriced="allow"),
        SpendLedger(store),
        CostCalculator(),
        None,
    )
    assert (
        allow.admit_call(
            call_id="d",
            task_id=None,
            provider="openai",
            model="acme-9",
            request=None,
            estimate_usd=None,
            now=datetime.now(UTC),
        )
        == 0
    )
    store.close()


def test_refused_call_is_not_sent_and_the_task_is_failed(tmp_path: Path) -> None:
    from tessera.runtime.observer import Observer

    db = tmp_path / "m.db"
    # gpt-4o-mini, 10,000 in / 1,000 out: 10,000×0.15 + 1,000×0.60 = 2,100 → $0.0021.
    script = Script(
        Exchange(
            OPENAI_HOST,
            "gpt-4o-mini",
            rec.openai_chat("gpt-4o-mini", "ok", 10_000, 1_000, response_id="r1"),
        )
    )
    observer = Observer(
        db=db,
        traces_file=tmp_path / "t.jsonl",
        limits=CostLimits(per_task_usd=Decimal("0.003"), per_task_enforcement="hard"),
    )
    client = openai_client(script, observer)
    with pytest.raises(CostLimitExceeded), observer.task("t1", agent_name="a"):
        with observer.estimate("0.0021"):
            client.chat.completions.create(model="gpt-4o-mini", messages=ask())
        # $0.0021 spent; another $0.0021 would make $0.0042 > $0.003.
        with observer.estimate("0.0021"):
            client.chat.completions.create(model="gpt-4o-mini", messages=ask())
    assert len(script.requests) == 1
    # Another process records $0.001 more for t1: $0.0021 + $0.001 = $0.0031 ≥ $0.003,
    # so a new phase of t1 may not even start.
    assert observer.store is not None
    observer.store.record_call(
        _with_task(_call("extra", datetime.now(UTC), Decimal("0.001")), "t1")
    )
    with pytest.raises(CostLimitExceeded), observer.task("t1", agent_name="a"):
        pass
    observer.shutdown()
    with sqlite3.connect(db) as conn:
        status, error = conn.execute(
            "SELECT status, error_message FROM task_assignments WHERE task_id = 't1'"
        ).fetchone()
        failures = conn.execute(
            "SELECT COUNT(*) FROM agent_performance WHERE task_id = 't1' AND NOT success"
        ).fetchone()[0]
    assert status == "failed" and error.startswith("CostLimitExceeded: cost.limits.per_task")
    assert failures == 2


def _with_task(record: CallRecord, task_id: str) -> CallRecord:
    from dataclasses import replace

    return replace(record, task_id=task_id)
