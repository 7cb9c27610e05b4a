"""Re-pricing stored calls: history changes only on purpose, totals follow."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.pricing import CostCalculator
from tessera.records import CallRecord, TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.usage import CACHE_WRITE_1H, Usage

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _call(
    store: MetricsStore,
    calc: CostCalculator,
    call_id: str,
    usage: Usage,
    at: datetime,
    task_id: str | None = "t1",
) -> None:
    cost = calc.price_call(usage, at=at)
    store.record_call(
        CallRecord(
            call_id=call_id,
            operation_id=call_id,
            provider=usage.provider or "openai",
            started_at=at,
            ended_at=at + timedelta(milliseconds=5),
            usage=usage,
            cost_status=cost.status,
            cost_usd=cost.cost_usd,
            pricing_id=cost.price.id if cost.price else None,
            task_id=task_id,
            agent_name="coder",
        )
    )


def _phase(store: MetricsStore, phase: str, start: datetime, end: datetime) -> None:
    store.start_task(TaskStart("t1", "coder", start, phase=phase))
    store.finish_task(TaskEnd("t1", "coder", phase, None, start, end, success=True))


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[MetricsStore, CostCalculator]]:
    """Two phases of task t1 with an OpenAI call each, an unpriced call, one outside t1."""
    store = MetricsStore(tmp_path / "m.db")
    calc = CostCalculator(store=store)
    gpt = Usage("openai", "gpt-4o", 1_000_000, 100_000, cache_read_tokens=200_000, reported=True)
    store.start_task(TaskStart("t1", "coder", T0, phase="plan"))
    _call(store, calc, "c1", gpt, T0 + timedelta(seconds=1))
    store.finish_task(
        TaskEnd("t1", "coder", "plan", None, T0, T0 + timedelta(seconds=10), success=True)
    )
    second = T0 + timedelta(seconds=20)
    store.start_task(TaskStart("t1", "coder", second, phase="build"))
    _call(store, calc, "c2", gpt, second + timedelta(seconds=1))
    with pytest.warns(UserWarning):
        _call(
            store,
            calc,
            "c3",
            Usage("ollama", "reprice-house-llm", 1000, 1000, reported=True),
            second + timedelta(seconds=2),
        )
    store.finish_task(
        TaskEnd("t1", "coder", "build", None, second, second + timedelta(seconds=10), success=True)
    )
    _call(store, calc, "c4", gpt, T0 - timedelta(days=3), task_id=None)
    with store:
        yield store, calc


def _sql(store: MetricsStore, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(store.path) as conn:
        return conn.execute(query).fetchall()


def test_history_changes_only_on_purpose(filled: tuple[MetricsStore, CostCalculator]) -> None:
    store, calc = filled
    # gpt-4o from 2024-10-02: 800k×2.50 + 200k×1.25 + 100k×10 = 2.0 + 0.25 + 1.0 = $3.25 a call.
    assert _sql(store, "SELECT cost_pusd FROM llm_calls WHERE call_id = 'c1'") == [
        (3_250_000_000_000,)
    ]
    calc.add_pricing(
        "gpt-4o",
        provider="openai",
        prompt_per_mtok="2",
        completion_per_mtok="8",
        cache_read_per_mtok="1",
        effective_date="2026-01-01",
    )
    calc.add_pricing(
        "reprice-house-llm", provider="ollama", prompt_per_mtok=1, completion_per_mtok=3
    )
    # Adding prices rewrites nothing.
    assert store.spend() == Decimal("9.75")  # 3 calls × 3.25; c3 unpriced
    fresh = CostCalculator(store=store)
    fresh.rows()
    dry = store.reprice_calls(fresh, since=datetime(2026, 5, 4, tzinfo=UTC), dry_run=True)
    assert (dry.examined, dry.changed, dry.newly_priced, dry.tasks, dry.phases) == (3, 3, 1, 1, 2)
    assert store.spend() == Decimal("9.75")  # a dry run writes nothing
    done = store.reprice_calls(fresh, since=datetime(2026, 5, 4, tzinfo=UTC))
    # New gpt-4o: 800k×2 + 200k×1 + 100k×8 = 1.6 + 0.2 + 0.8 = $2.60 a call;
    # reprice-house-llm from today on only: c3 (2026-05-04) precedes it, so its first price applies:
    # 1,000×1 + 1,000×3 = 4,000 / 1e6 = $0.004.
    assert (done.changed, done.newly_priced, done.now_unpriced) == (3, 1, 0)
    assert done.cost_before == Decimal("6.5") and done.cost_after == Decimal("5.204")
    # c4, three days earlier, is outside the range and keeps $3.25: 2.60 + 2.60 + 0.004 + 3.25.
    assert store.spend() == Decimal("8.454")
    assert _sql(store, "SELECT cost_status FROM llm_calls WHERE call_id = 'c3'") == [("priced",)]
    # Task total = all its calls: 2.60 + 2.60 + 0.004 = 5.204; phases: plan 2.60, build 2.604.
    assert _sql(
        store, "SELECT cost_pusd, unpriced_calls FROM task_assignments WHERE task_id = 't1'"
    ) == [(5_204_000_000_000, 0)]
    assert _sql(store, "SELECT phase, cost_usd, unpriced_calls FROM agent_performance") == [
        ("plan", 2.6, 0),
        ("build", 2.604, 0),
    ]
    # The seed's SUM(cost_usd) reads floats; the exact picodollars add up to the task total.
    assert _sql(store, "SELECT SUM(cost_pusd) FROM agent_performance") == [(5_204_000_000_000,)]
    again = store.reprice_calls(fresh, since=datetime(2026, 5, 4, tzinfo=UTC))
    assert again.changed == 0 and again.tasks == 0


def test_reprice_range_and_one_hour_writes(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        _range_and_one_hour_writes(store)


def _range_and_one_hour_writes(store: MetricsStore) -> None:
    calc = CostCalculator(store=store)
    # claude-sonnet-4: 10,000 in incl. 4,000 written (1,000 with 1h TTL), 100 out:
    # 6,000×3 + 3,000×3.75 + 1,000×6 + 100×15 = 36,750 / 1e6 = 0.03675.
    usage = Usage(
        "anthropic",
        "claude-sonnet-4",
        10_000,
        100,
        cache_write_tokens=4000,
        extras={CACHE_WRITE_1H: 1000},
        reported=True,
    )
    _call(store, calc, "a1", usage, T0, task_id=None)
    _call(store, calc, "a2", usage, T0 + timedelta(days=2), task_id=None)
    # Recomputing with unchanged prices changes nothing: the 1h split is read back.
    result = store.reprice_calls(calc, since=T0 - timedelta(days=1))
    assert (result.examined, result.changed) == (2, 0)
    assert result.cost_after == Decimal("0.0735")  # 2 × 0.03675
    calc.add_pricing(
        "claude-sonnet-4",
        provider="anthropic",
        prompt_per_mtok="1",
        completion_per_mtok="1",
        effective_date=date(2026, 1, 1),
    )
    # Only [T0, T0 + 1 day): a1 becomes 10,100 × 1 = 0.0101; a2 keeps 0.03675.
    result = store.reprice_calls(calc, since=T0, until=T0 + timedelta(days=1))
    assert (result.examined, result.changed) == (1, 1)
    assert store.spend() == Decimal("0.04685")  # 0.0101 + 0.03675
