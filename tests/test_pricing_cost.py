"""Cost arithmetic (DESIGN §5, prices.md §6) and call statuses."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import pytest

from tessera.errors import UnknownModelError, UnpricedModelWarning
from tessera.pricing import CostCalculator, PricingError
from tessera.usage import CACHE_WRITE_1H, Usage

NOW = date(2026, 1, 15)


def test_seed_example_is_six_cents() -> None:
    # 1,000 × $0.03/1k + 500 × $0.06/1k = 0.03 + 0.03 = 0.06.
    cost = CostCalculator().calculate_cost(
        prompt_tokens=1000, completion_tokens=500, model="gpt-4", provider="openai"
    )
    assert cost == 0.06
    assert isinstance(cost, float)


def test_example_1_cached_input_not_priced_twice() -> None:
    # gpt-4o, prompt 2,006 incl. 1,920 cached, output 300:
    # 86×2.50 + 1,920×1.25 + 300×10 = 215 + 2,400 + 3,000 = 5,615 / 1e6 = 0.005615.
    usage = Usage("openai", "gpt-4o", 2006, 300, cache_read_tokens=1920, reported=True)
    assert CostCalculator().cost_of(usage, at=NOW) == Decimal("0.005615")


def test_example_3_both_cache_classes_subtracted() -> None:
    # Sonnet, prompt 2,000 incl. 500 read + 300 write, no output:
    # 1,200×3 + 500×0.30 + 300×3.75 = 3,600 + 150 + 1,125 = 4,875 / 1e6 = 0.004875.
    usage = Usage(
        "anthropic",
        "claude-sonnet-4",
        2000,
        0,
        cache_read_tokens=500,
        cache_write_tokens=300,
        reported=True,
    )
    assert CostCalculator().cost_of(usage, at=NOW) == Decimal("0.004875")
    # calculate_cost takes the same whole-input convention.
    assert CostCalculator().calculate_cost(
        2000, 0, "claude-sonnet-4", "anthropic", cache_read_tokens=500, cache_write_tokens=300
    ) == pytest.approx(0.004875, abs=1e-15)


def test_example_5_reasoning_is_part_of_output() -> None:
    # o1: 1,000 in, 5,000 out incl. 4,000 reasoning: 1,000×15 + 5,000×60 = 315,000 / 1e6 = 0.315.
    usage = Usage("openai", "o1", 1000, 5000, reasoning_tokens=4000, reported=True)
    assert CostCalculator().cost_of(usage, at=date(2025, 6, 1)) == Decimal("0.315")


def test_example_6_long_context_cliff() -> None:
    # claude-sonnet-4 above 200k: 250,000×6 + 2,000×22.50 = 1,500,000 + 45,000 = 1.545.
    calc = CostCalculator()
    usage = Usage("anthropic", "claude-sonnet-4", 250_000, 2000, reported=True)
    assert calc.cost_of(usage, at=NOW) == Decimal("1.545")
    # At exactly 200,000 the base price holds: 200,000×3 + 2,000×15 = 630,000 / 1e6 = 0.63.
    at_threshold = Usage("anthropic", "claude-sonnet-4", 200_000, 2000, reported=True)
    assert calc.cost_of(at_threshold, at=NOW) == Decimal("0.63")
    # The tier counts cached input too, and then cache reads use the tier's read price:
    # 200,001 incl. 100,000 read: 100,001×6 + 100,000×0.60 = 600,006 + 60,000 = 0.660006.
    cached = Usage(
        "anthropic", "claude-sonnet-4", 200_001, 0, cache_read_tokens=100_000, reported=True
    )
    assert calc.cost_of(cached, at=NOW) == Decimal("0.660006")


def test_one_hour_cache_writes_priced_apart() -> None:
    # claude-sonnet-4: 10,000 in incl. 4,000 written, 1,000 of them with the 1h TTL; 100 out:
    # 6,000×3 + 3,000×3.75 + 1,000×6 + 100×15 = 18,000 + 11,250 + 6,000 + 1,500 = 36,750 / 1e6.
    usage = Usage(
        "anthropic",
        "claude-sonnet-4",
        10_000,
        100,
        cache_write_tokens=4000,
        extras={CACHE_WRITE_1H: 1000},
        reported=True,
    )
    assert CostCalculator().cost_of(usage, at=NOW) == Decimal("0.03675")


def test_missing_cache_price_falls_back_to_input() -> None:
    # gpt-4o-2024-05-13 has no recorded cache price: 1,000 in incl. 400 cached, all at 5:
    # 1,000×5 = 5,000 / 1e6 = 0.005.
    usage = Usage("openai", "gpt-4o-2024-05-13", 1000, 0, cache_read_tokens=400, reported=True)
    assert CostCalculator().cost_of(usage, at=NOW) == Decimal("0.005")


def test_copilot_is_priced_at_zero_not_unpriced() -> None:
    cost = CostCalculator().price_call(Usage("github_copilot", "gpt-4", 1000, 500, reported=True))
    assert cost.status == "priced"
    assert cost.cost_usd == Decimal(0)


def test_tiny_costs_sum_exactly() -> None:
    # One cached gpt-4o-mini token: 1 × 0.075 / 1e6 = 0.000000075; × 1,000 = 0.000075 exactly.
    calc = CostCalculator()
    usage = Usage("openai", "gpt-4o-mini", 1, 0, cache_read_tokens=1, reported=True)
    costs = [calc.cost_of(usage, at=NOW) for _ in range(1000)]
    assert all(c == Decimal("0.000000075") for c in costs)
    assert sum(c for c in costs if c is not None) == Decimal("0.000075")


@pytest.mark.parametrize(
    "usage",
    [
        Usage("openai", "gpt-4o", None, None, reported=False),
        Usage("openai", "gpt-4o", 100, 10, reported=False),
        Usage("openai", "gpt-4o", None, 10, reported=True),
        Usage("openai", "gpt-4o", 100, None, reported=True),
    ],
)
def test_no_usage_is_not_priced(usage: Usage) -> None:
    cost = CostCalculator().price_call(usage, at=NOW)
    assert (cost.status, cost.cost_usd, cost.price) == ("no_usage", None, None)


@pytest.mark.parametrize(
    ("usage", "named"),
    [
        (Usage("openai", "gpt-4o", 100, 10, cache_read_tokens=150, reported=True), "exceed input"),
        (Usage("openai", "o1", 100, 10, reasoning_tokens=11, reported=True), "reasoning_tokens"),
        (Usage("openai", "gpt-4o", -1, 10, reported=True), "non-negative"),
        (
            Usage(
                "anthropic",
                "claude-sonnet-4",
                100,
                10,
                cache_write_tokens=5,
                extras={CACHE_WRITE_1H: 6},
                reported=True,
            ),
            "cache_write_1h_tokens",
        ),
    ],
)
def test_contradictory_counts_are_flagged_never_negative(
    usage: Usage, named: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tessera"):
        cost = CostCalculator().price_call(usage, at=NOW)
    assert cost.status == "no_usage" and cost.cost_usd is None
    assert cost.problem is not None and named in cost.problem
    assert any(named in r.getMessage() for r in caplog.records)


def test_calculate_cost_rejects_contradictory_counts() -> None:
    with pytest.raises(PricingError, match="exceed input_tokens"):
        CostCalculator().calculate_cost(10, 5, "gpt-4o", "openai", cache_read_tokens=11)


def test_unknown_model_is_unpriced_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    calc = CostCalculator()
    usage = Usage("openai", "gpt-99-test-once", 1000, 100, reported=True)
    with (
        caplog.at_level(logging.WARNING, logger="tessera"),
        pytest.warns(UnpricedModelWarning) as record,
    ):
        first = calc.price_call(usage, at=NOW)
        second = CostCalculator().cost_of(usage, at=NOW)  # another calculator, same process
    assert (first.status, first.cost_usd, first.price) == ("unpriced", None, None)
    assert second is None
    assert len(record) == 1
    message = str(record[0].message)
    assert "gpt-99-test-once" in message and "tessera pricing add" in message
    assert record[0].filename == __file__  # the warning points at the caller
    logged = [r for r in caplog.records if "gpt-99-test-once" in r.getMessage()]
    assert len(logged) == 1


def test_calculate_cost_unknown_model_raises() -> None:
    with pytest.raises(UnknownModelError, match="gpt-99") as info:
        CostCalculator().calculate_cost(1000, 500, "gpt-99", "openai")
    assert isinstance(info.value, LookupError)


def test_deprecated_model_still_priced_with_one_log(caplog: pytest.LogCaptureFixture) -> None:
    # gpt-4 is deprecated on 2026-10-23 (prices.md §3); a later call still costs 30/60:
    # 1,000×30 + 1,000×60 = 90,000 / 1e6 = 0.09.
    calc = CostCalculator()
    calc.add_pricing(
        "old-model",
        prompt_per_mtok=30,
        completion_per_mtok=60,
        provider="openai",
        effective_date="2024-01-01",
        deprecated_date="2025-01-01",
    )
    usage = Usage("openai", "old-model", 1000, 1000, reported=True)
    with caplog.at_level(logging.INFO, logger="tessera"):
        costs = [calc.cost_of(usage, at=NOW) for _ in range(3)]
    assert costs == [Decimal("0.09")] * 3
    assert sum("deprecated" in r.getMessage() for r in caplog.records) == 1
