"""Custom prices from the configuration file, idempotent adds, the genai-prices fallback."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.config import TesseraConfig
from tessera.errors import ConfigError
from tessera.pricing import CostCalculator, GenaiPricesFallback, apply_custom_prices
from tessera.store import MetricsStore
from tessera.usage import Usage

NOW = date(2026, 1, 15)


def _config(*rows: dict[str, object]) -> TesseraConfig:
    return TesseraConfig.model_validate({"pricing": {"custom": list(rows)}})


def test_config_rows_price_calls_and_are_not_duplicated(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path / "m.db")
    config = _config(
        {
            "model": "house-llm",
            "provider": "ollama",
            "prompt_price_per_1k": "0.001",
            "completion_price_per_1k": "0.002",
            "cache_read_price_per_1k": "0.0001",
        }
    )
    calc = CostCalculator(store=store)
    first = apply_custom_prices(calc, config)
    # Per 1k -> per MTok: 0.001 -> 1, 0.002 -> 2, 0.0001 -> 0.1; no date: from 1970-01-01.
    assert first[0].prompt_per_mtok == Decimal(1) and first[0].cache_read_per_mtok == Decimal("0.1")
    assert first[0].effective_date == date(1970, 1, 1)
    # 2,000 in incl. 1,000 cached, 500 out: 1,000×1 + 1,000×0.1 + 500×2 = 2,100 / 1e6.
    usage = Usage("ollama", "house-llm", 2000, 500, cache_read_tokens=1000, reported=True)
    assert calc.cost_of(usage, at=date(2001, 1, 1)) == Decimal("0.0021")
    # The next start applies the same file: same row, no duplicate.
    again = apply_custom_prices(CostCalculator(store=store), config)
    assert again[0].id == first[0].id
    assert sum(r.source == "user" for r in store.price_rows()) == 1
    # A row that left the file stops pricing; it stays stored for the calls it priced.
    apply_custom_prices(CostCalculator(store=store), _config())
    assert [r for r in store.price_rows() if r.source == "user"] == []
    assert len([r for r in store.price_rows(include_inactive=True) if r.source == "user"]) == 1
    store.close()


def test_bad_config_row_names_its_key() -> None:
    config = _config(
        {
            "model": "gpt-4o",
            "provider": "openai",
            "prompt_price_per_1k": "0.0025",
            "completion_price_per_1k": "0.01",
            "model_pattern": "gpt-4o.*",
        }
    )
    with pytest.raises(ConfigError, match=r"pricing\.custom\.0 \(gpt-4o\).*also matches"):
        apply_custom_prices(CostCalculator(), config)


def test_add_pricing_is_idempotent_in_memory() -> None:
    calc = CostCalculator()
    one = calc.add_pricing("m1", provider="ollama", prompt_per_mtok="2.50", completion_per_mtok=1)
    two = calc.add_pricing(
        "m1", provider="ollama", prompt_per_mtok="2.5", completion_per_mtok="1.0", note="again"
    )
    assert two is one
    assert sum(r.model_name == "m1" for r in calc.rows()) == 1
    # Another price is another row.
    calc.add_pricing("m1", provider="ollama", prompt_per_mtok="3", completion_per_mtok=1)
    assert sum(r.model_name == "m1" for r in calc.rows()) == 2


def test_genai_prices_fallback_only_for_missing_models() -> None:
    plain = CostCalculator()
    with_fallback = CostCalculator(fallback=True)
    assert isinstance(with_fallback.fallback, GenaiPricesFallback)
    # In our table: our row wins, source builtin. gpt-4: 1,000×30 + 500×60 = 0.06.
    ours = with_fallback.price_call(Usage("openai", "gpt-4", 1000, 500, reported=True), at=NOW)
    assert (ours.cost_usd, ours.source) == (Decimal("0.06"), "builtin")
    # Not in our table (o1-mini is left out): unpriced without, priced and tagged with.
    usage = Usage("openai", "o1-mini", 1000, 1000, reported=True)
    with pytest.warns(UserWarning, match="o1-mini"):
        assert plain.price_call(usage, at=NOW).status == "unpriced"
    cost = with_fallback.price_call(usage, at=NOW)
    assert cost.status == "priced" and cost.source == "genai-prices"
    assert cost.price is not None and cost.price.id is None
    assert (cost.price.note or "").startswith("genai-prices 0.2")
    # Its own arithmetic on the row it reports: 1,000 × in + 1,000 × out, per MTok.
    row = cost.price
    assert cost.cost_usd == (row.prompt_per_mtok + row.completion_per_mtok) * 1000 / 10**6
