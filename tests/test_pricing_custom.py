"""Custom prices, patterns and the PriceBook (store) protocol."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tessera.errors import TesseraError
from tessera.pricing import (
    CostCalculator,
    PatternConflictError,
    PriceRow,
    PricingError,
)
from tessera.usage import Usage

NOW = date(2026, 1, 15)


def test_seed_style_per_1k_prices_with_floats() -> None:
    calc = CostCalculator()
    row = calc.add_pricing("my-model", 0.001, 0.002, provider="ollama")
    # Floats go through str(): 0.001 per 1k is exactly 1 per MTok, 0.002 per 1k is 2.
    assert (row.prompt_per_mtok, row.completion_per_mtok) == (Decimal(1), Decimal(2))
    assert row.source == "user"
    # 1,000×1 + 500×2 = 2,000 / 1e6 = 0.002.
    assert calc.calculate_cost(1000, 500, "my-model", "ollama") == 0.002


def test_user_row_wins_from_its_date_only() -> None:
    calc = CostCalculator()
    calc.add_pricing(
        "gpt-4o",
        provider="openai",
        prompt_per_mtok="2",
        completion_per_mtok=Decimal(8),
        effective_date=date(2025, 1, 1),
    )
    usage = Usage("openai", "gpt-4o", 1_000_000, 1_000_000, reported=True)
    # From 2025-01-01: 2 + 8 = $10; before, the built-in 2.50 + 10 = $12.50.
    assert calc.cost_of(usage, at=NOW) == Decimal(10)
    assert calc.cost_of(usage, at=date(2024, 11, 1)) == Decimal("12.5")
    # The snapshot keeps its own built-in row: 5 + 15 = $20.
    snapshot = replace(usage, model="gpt-4o-2024-05-13")
    assert calc.cost_of(snapshot, at=NOW) == Decimal(20)
    # Another calculator does not see in-memory rows.
    assert CostCalculator().cost_of(usage, at=NOW) == Decimal("12.5")


def test_reasoning_priced_apart_when_the_model_has_a_rate() -> None:
    # prices.md §6 (sonar-deep-research): output 8, reasoning 3. 1,000 out incl. 400 reasoning:
    # 600×8 + 400×3 = 4,800 + 1,200 = 6,000 / 1e6 = 0.006.
    calc = CostCalculator()
    calc.add_pricing(
        "sonar-deep-research",
        provider="perplexity",
        prompt_per_mtok=2,
        completion_per_mtok=8,
        reasoning_per_mtok=3,
        effective_date="2025-01-01",
    )
    usage = Usage("perplexity", "sonar-deep-research", 0, 1000, reasoning_tokens=400, reported=True)
    assert calc.cost_of(usage, at=NOW) == Decimal("0.006")


def test_bedrock_regional_rows_example_4() -> None:
    # prices.md §6 example 4, Bedrock eu. claude-opus-4-5 (rates given by the example):
    # list: 10×5 + 66,360×0.50 + 32,435×6.25 + 5,120×25 = 50 + 33,180 + 202,718.75 + 128,000
    #       = 363,948.75 / 1e6 = 0.36394875;
    # eu. profile +10%: 10×5.5 + 66,360×0.55 + 32,435×6.875 + 5,120×27.5
    #       = 55 + 36,498 + 222,990.625 + 140,800 = 400,343.625 / 1e6 = 0.400343625.
    calc = CostCalculator()
    calc.add_pricing(
        "anthropic.claude-opus-4-5-20251101-v1:0",
        prompt_per_mtok="5",
        completion_per_mtok="25",
        cache_read_per_mtok="0.50",
        cache_write_per_mtok="6.25",
        provider="bedrock",
        effective_date="2025-11-24",
    )
    regional = calc.add_pricing(
        "eu.anthropic.claude-opus-4-5-20251101-v1:0",
        prompt_per_mtok="5.5",
        completion_per_mtok="27.5",
        cache_read_per_mtok="0.55",
        cache_write_per_mtok="6.875",
        provider="bedrock",
        effective_date="2025-11-24",
    )
    assert regional.model_name == "eu.claude-opus-4-5-20251101"

    def cost(model: str) -> Decimal | None:
        usage = Usage(
            "bedrock",
            model,
            10 + 66_360 + 32_435,
            5120,
            cache_read_tokens=66_360,
            cache_write_tokens=32_435,
            reported=True,
        )
        return calc.cost_of(usage, at=NOW)

    assert cost("eu.anthropic.claude-opus-4-5-20251101-v1:0") == Decimal("0.400343625")
    assert cost("global.anthropic.claude-opus-4-5-20251101-v1:0") == Decimal("0.36394875")


def test_pattern_capturing_a_sibling_is_rejected() -> None:
    calc = CostCalculator()
    with pytest.raises(PatternConflictError) as info:
        calc.add_pricing(
            "gpt-4o",
            provider="openai",
            prompt_per_mtok="2.50",
            completion_per_mtok="10",
            cache_read_per_mtok="1.25",
            pattern=r"gpt-4o.*",
        )
    text = str(info.value)
    # The first sibling in name order with another price: the 5/15 launch snapshot.
    assert "'gpt-4o'" in text and "'gpt-4o-2024-05-13'" in text
    assert isinstance(info.value, ValueError) and isinstance(info.value, TesseraError)
    # Nothing was added.
    mini = calc.price_for("gpt-4o-mini", "openai", NOW)
    assert mini is not None and mini.prompt_per_mtok == Decimal("0.15")


def test_pattern_matching_only_same_priced_names_is_accepted() -> None:
    calc = CostCalculator()
    # gpt-4.1 and gpt-4.1-2025-04-14 are both 2 / 8 / 0.50: the pattern captures no other price.
    calc.add_pricing(
        "gpt-4.1",
        provider="openai",
        prompt_per_mtok="2.00",
        completion_per_mtok="8.00",
        cache_read_per_mtok="0.50",
        pattern=r"gpt-4\.1(-\d{4}-\d\d-\d\d)?",
        effective_date="2025-04-14",
    )
    calc.add_pricing(
        "house-llm",
        provider="ollama",
        prompt_per_mtok="0.1",
        completion_per_mtok="0.2",
        pattern=r"house-llm(-v\d+)?",
        effective_date="2025-01-01",
    )
    row = calc.price_for("House-LLM-v3", "ollama", NOW)
    assert row is not None and row.model_name == "house-llm"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt_per_mtok": "1", "completion_per_mtok": "1", "pattern": "x-("}, "invalid regular"),
        ({"prompt_per_mtok": "-1", "completion_per_mtok": "1"}, "non-negative"),
        ({"prompt_per_mtok": "abc", "completion_per_mtok": "1"}, "not a decimal"),
        ({"prompt_per_mtok": float("nan"), "completion_per_mtok": "1"}, "finite"),
        ({"prompt_per_mtok": "1"}, "output price is required"),
        ({"prompt_per_1k": "1", "prompt_per_mtok": "1", "completion_per_mtok": "1"}, "not both"),
        ({"prompt_per_mtok": "1", "completion_per_mtok": "1", "effective_date": "soon"}, "date"),
        (
            {"prompt_per_mtok": "1", "completion_per_mtok": "1", "long_context_threshold": 10},
            "long-context tier needs",
        ),
    ],
)
def test_bad_custom_prices_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PricingError, match=message):
        CostCalculator().add_pricing("x-model", provider="ollama", **kwargs)  # type: ignore[arg-type]


def test_custom_price_needs_a_provider_for_a_new_model() -> None:
    with pytest.raises(PricingError, match="provider="):
        CostCalculator().add_pricing("brand-new", prompt_per_mtok="1", completion_per_mtok="1")
    # For a known model the provider is its vendor.
    row = CostCalculator().add_pricing("claude-opus-4", prompt_per_mtok=1, completion_per_mtok=2)
    assert row.provider == "anthropic"


class FakeBook:
    """A PriceBook that numbers rows, as the metrics store does."""

    def __init__(self) -> None:
        self.rows: list[PriceRow] = []
        self.loads = 0

    def load_prices(self, builtin: Sequence[PriceRow]) -> list[PriceRow]:
        self.loads += 1
        if not self.rows:
            self.rows = [replace(r, id=i) for i, r in enumerate(builtin, start=1)]
        return list(self.rows)

    def add_price(self, row: PriceRow) -> PriceRow:
        stored = replace(row, id=len(self.rows) + 1)
        self.rows.append(stored)
        return stored


def test_store_rows_carry_ids_and_persist_user_prices() -> None:
    book = FakeBook()
    calc = CostCalculator(store=book)
    cost = calc.price_call(Usage("openai", "gpt-4", 1000, 500, reported=True), at=NOW)
    assert cost.price is not None and cost.price.id is not None
    assert book.rows[cost.price.id - 1] == cost.price
    added = calc.add_pricing(
        "team-llm", provider="ollama", prompt_per_mtok=1, completion_per_mtok=1
    )
    assert added.id == len(book.rows) and book.rows[-1].model_name == "team-llm"
    # A second calculator on the same store sees the user row.
    other = CostCalculator(store=book).price_for("team-llm", "ollama")
    assert other is not None and other.id == added.id
    assert book.loads == 2


class BrokenBook(FakeBook):
    def load_prices(self, builtin: Sequence[PriceRow]) -> list[PriceRow]:
        raise OSError("disk gone")


def test_a_failing_store_falls_back_to_builtin_prices(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="tessera"):
        row = CostCalculator(store=BrokenBook()).price_for("gpt-4", "openai", NOW)
    assert row is not None and row.id is None and row.prompt_per_mtok == Decimal(30)
    assert any("loading prices" in r.getMessage() for r in caplog.records)
