"""Matching model ids to price rows (prices.md §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tessera.pricing import CostCalculator, ModelName, normalize_model
from tessera.usage import Usage

AFTER_CUTS = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GPT-4O", ModelName("gpt-4o")),
        ("openai/gpt-4o", ModelName("gpt-4o", "openai")),
        ("models/gemini-2.0-flash", ModelName("gemini-2.0-flash")),
        ("openrouter/anthropic/claude-sonnet-4", ModelName("claude-sonnet-4", "openrouter")),
        (
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            ModelName("claude-3-5-sonnet-20241022", "bedrock", "us"),
        ),
        (
            "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
            ModelName("claude-3-5-sonnet-20240620", "bedrock"),
        ),
        (
            "global.anthropic.claude-sonnet-4-20250514-v1:0",
            ModelName("claude-sonnet-4-20250514", "bedrock"),
        ),
        ("claude-sonnet-4@20250514", ModelName("claude-sonnet-4-20250514", "vertex_ai")),
        (
            "publishers/anthropic/models/claude-opus-4@20250514",
            ModelName("claude-opus-4-20250514", "vertex_ai"),
        ),
        # The compact date is kept here: it is only rewritten after a failed lookup.
        ("gpt-4o-20240806", ModelName("gpt-4o-20240806")),
    ],
)
def test_normalize_model(raw: str, expected: ModelName) -> None:
    assert normalize_model(raw) == expected


def _one_m_each(model: str, provider: str | None = None, at: date = AFTER_CUTS) -> Decimal | None:
    usage = Usage(provider, model, input_tokens=1_000_000, output_tokens=1_000_000, reported=True)
    return CostCalculator().cost_of(usage, at=at)


def _tenth_m_each(model: str, provider: str | None = None) -> Decimal | None:
    # 100k + 100k: below every long-context threshold, so 1/10 of the "1M + 1M" list figure.
    usage = Usage(provider, model, input_tokens=100_000, output_tokens=100_000, reported=True)
    return CostCalculator().cost_of(usage, at=AFTER_CUTS)


@pytest.mark.parametrize(
    ("model", "provider", "expected_usd"),
    [
        # prices.md §7 table: list price of 1M input + 1M output (in + out per MTok added up).
        ("gpt-4o", None, "12.50"),  # 2.50 + 10
        ("GPT-4O", None, "12.50"),
        ("openai/gpt-4o", None, "12.50"),
        ("gpt-4o-20240806", None, "12.50"),  # compact date -> gpt-4o-2024-08-06
        ("gpt-4o-2024-05-13", None, "20.00"),  # snapshot keeps 5 + 15
        ("claude-3-5-sonnet-20240620", None, "18.00"),  # 3 + 15
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", None, "18.00"),
        ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", None, "18.00"),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", None, "18.00"),
        ("claude-sonnet-4@20250514", None, "18.00"),
        ("vertex_ai/claude-sonnet-4@20250514", None, "18.00"),
        ("claude-sonnet-4-20250514", None, "18.00"),
        ("claude-sonnet-4", "anthropic", "18.00"),
        ("gemini-2.0-flash-001", None, "0.50"),  # Gemini API 0.10 + 0.40
        ("models/gemini-2.0-flash", None, "0.50"),
        ("vertex_ai/gemini-2.0-flash", None, "0.75"),  # Vertex 0.15 + 0.60
        ("gemini-2.0-flash", "vertex", "0.75"),
        ("gemini-2.0-flash", "google", "0.50"),
        ("claude-3-5-sonnet-v2@20241022", "vertex_ai", "18.00"),
        ("gpt-4o", "github_copilot", "0"),  # Copilot: $0 is a real price
    ],
)
def test_id_forms_resolve_to_the_right_price(
    model: str, provider: str | None, expected_usd: str
) -> None:
    # Checked on 100k + 100k so no long-context tier applies: a tenth of the list figure.
    assert _tenth_m_each(model, provider) == Decimal(expected_usd) / 10


def test_a_real_million_token_sonnet_request_is_above_the_tier() -> None:
    # 1M input > 200k: the cliff rule prices the whole request at the tier, 6 + 22.50 = $28.50,
    # not the $18.00 of the flat list price.
    assert _one_m_each("claude-sonnet-4-20250514", "anthropic") == Decimal("28.50")


def test_bedrock_regional_haiku_example() -> None:
    # prices.md §7: 10k in + 1k out at 0.80 / 4 = 10,000×0.80 + 1,000×4 = 12,000 / 1e6 = $0.012.
    usage = Usage(
        None, "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", 10_000, 1_000, reported=True
    )
    cost = CostCalculator().price_call(usage, at=AFTER_CUTS)
    assert cost.status == "priced"
    assert cost.cost_usd == Decimal("0.012")
    assert cost.price is not None and cost.price.provider == "bedrock"


def test_gpt4o_price_changes_between_two_calls() -> None:
    calc = CostCalculator()
    june = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
    november = datetime(2024, 11, 15, 12, 0, tzinfo=UTC)
    # June 2024: alias on the launch snapshot, 5 + 15 = $20.00; November: 2.50 + 10 = $12.50.
    assert _one_m_each("gpt-4o", at=june.date()) == Decimal(20)
    assert _one_m_each("gpt-4o", at=november.date()) == Decimal("12.5")
    # The boundary day is UTC: 2024-10-01 23:30 in UTC-5 is already 2024-10-02 in UTC.
    row = calc.price_for("gpt-4o", "openai", datetime.fromisoformat("2024-10-01T23:30:00-05:00"))
    assert row is not None and row.prompt_per_mtok == Decimal("2.50")


def test_snapshot_keeps_its_own_price_after_the_alias_moved() -> None:
    # gpt-4o-2024-05-13 stays 5 / 15 in 2026 while the alias is 2.50 / 10.
    row = CostCalculator().price_for("gpt-4o-2024-05-13", at=AFTER_CUTS)
    assert row is not None
    assert (row.model_name, row.prompt_per_mtok, row.completion_per_mtok) == (
        "gpt-4o-2024-05-13",
        Decimal(5),
        Decimal(15),
    )


def test_unknown_snapshot_falls_back_to_its_family() -> None:
    row = CostCalculator().price_for("claude-3-5-haiku-20991231", "anthropic", AFTER_CUTS)
    assert row is not None and row.model_name == "claude-3-5-haiku"


def test_gemini_versioned_id_priced_by_pattern_with_history() -> None:
    # prices.md §6 example 8: gemini-1.5-pro-002, 1,000 in + 1,000 out after 2024-10-01:
    # 1,000×1.25 + 1,000×5 = 6,250 / 1e6 = 0.00625 (not 0.00375 with input at 0).
    usage = Usage("gemini", "gemini-1.5-pro-002", 1_000, 1_000, reported=True)
    calc = CostCalculator()
    assert calc.cost_of(usage, at=date(2024, 11, 1)) == Decimal("0.00625")
    # Before the cut: 1,000×3.50 + 1,000×10.50 = 14,000 / 1e6 = 0.014.
    assert calc.cost_of(usage, at=date(2024, 9, 1)) == Decimal("0.014")


def test_provider_is_never_swapped_silently() -> None:
    calc = CostCalculator()
    # Azure has no row for gpt-4o: no OpenAI price borrowed.
    assert calc.price_for("gpt-4o", "azure", AFTER_CUTS) is None
    # Provider spellings are canonicalized.
    row = calc.price_for("claude-3-5-haiku@20241022", "Vertex", AFTER_CUTS)
    assert row is not None and row.provider == "vertex_ai"


def test_call_before_first_period_uses_the_first_price() -> None:
    # gemini-2.0-flash's GA day is approximate (2025-02-01); an earlier call gets the first price.
    row = CostCalculator().price_for("gemini-2.0-flash", "gemini", date(2025, 1, 20))
    assert row is not None and row.prompt_per_mtok == Decimal("0.10")
