"""The built-in price table and its loader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.pricing import PriceIndex, PriceTableError, load_builtin_prices, load_price_file
from tessera.pricing.custom import check_pattern_siblings

GOOD_ROW = """
[[price]]
provider = "openai"
model = "gpt-test"
effective_date = 2025-01-01
input = "1.25"
output = "5"
source = "test"
"""


def _rows(provider: str, model: str) -> list[tuple[date, Decimal, Decimal, Decimal | None]]:
    return sorted(
        (r.effective_date, r.prompt_per_mtok, r.completion_per_mtok, r.cache_read_per_mtok)
        for r in load_builtin_prices()
        if r.provider == provider and r.model_name == model
    )


def test_seed_rows_are_present() -> None:
    # Seed table per 1k: gpt-4 $0.03/$0.06 = 30/60 per MTok; claude-sonnet-4 $0.003/$0.015 = 3/15;
    # Copilot gpt-4 $0/$0; gpt-4o $0.005/$0.015 (5/15) before 2024-10-02, $0.0025/$0.01 after.
    assert _rows("openai", "gpt-4") == [(date(2023, 3, 14), Decimal(30), Decimal(60), None)]
    assert _rows("anthropic", "claude-sonnet-4")[0][1:3] == (Decimal(3), Decimal(15))
    assert _rows("github_copilot", "gpt-4") == [(date(2023, 1, 1), Decimal(0), Decimal(0), None)]
    assert _rows("openai", "gpt-4o") == [
        (date(2024, 5, 13), Decimal(5), Decimal(15), None),
        (date(2024, 10, 2), Decimal("2.5"), Decimal(10), Decimal("1.25")),
    ]


def test_dated_history_of_reference_models() -> None:
    # prices.md §3: o3 cut from 10/40 to 2/8 on 2025-06-10; gemini-1.5-pro 3.50/10.50 then 1.25/5.
    assert [r[:3] for r in _rows("openai", "o3")] == [
        (date(2025, 4, 16), Decimal(10), Decimal(40)),
        (date(2025, 6, 10), Decimal(2), Decimal(8)),
    ]
    assert [r[1:3] for r in _rows("gemini", "gemini-1.5-pro")] == [
        (Decimal("3.50"), Decimal("10.50")),
        (Decimal("1.25"), Decimal(5)),
    ]
    # Same model, two channels, two prices (prices.md §4).
    assert _rows("gemini", "gemini-2.0-flash")[0][1:3] == (Decimal("0.10"), Decimal("0.40"))
    assert _rows("vertex_ai", "gemini-2.0-flash")[0][1:3] == (Decimal("0.15"), Decimal("0.60"))
    # Haiku: only the current price, the cut date being unknown.
    assert [r[1:3] for r in _rows("anthropic", "claude-3-5-haiku-20241022")] == [
        (Decimal("0.80"), Decimal(4))
    ]


def test_every_builtin_row_is_sourced_and_exact() -> None:
    rows = load_builtin_prices()
    assert len(rows) > 50
    for row in rows:
        assert row.source == "builtin" and row.id is None
        assert row.note, f"{row.model_name} has no source note"
        assert isinstance(row.prompt_per_mtok, Decimal)


def test_builtin_patterns_capture_no_sibling() -> None:
    index = PriceIndex(load_builtin_prices())
    pattern_rows = [r for r in index.rows if r.model_pattern]
    assert pattern_rows
    for row in pattern_rows:
        check_pattern_siblings(index, row)


def test_loader_reads_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text('unit = "USD per 1M tokens"\n' + GOOD_ROW, encoding="utf-8")
    (row,) = load_price_file(path)
    assert (row.model_name, row.prompt_per_mtok, row.completion_per_mtok) == (
        "gpt-test",
        Decimal("1.25"),
        Decimal(5),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('input = "1.25"', 'input = "1.25"\ncolour = "red"'), "unknown keys ['colour']"),
        (('input = "1.25"', "input = 1.25"), "decimal string"),
        (('input = "1.25"', 'input = "1,25"'), "decimal string"),
        (('output = "5"', 'output = "-5"'), "must not be negative"),
        (("effective_date = 2025-01-01", 'effective_date = "2025-13-01"'), "must be a date"),
        (
            ('source = "test"', 'source = "test"\npattern = "gpt-(test"'),
            "invalid regular expression",
        ),
        (('source = "test"\n', ""), "missing keys ['source']"),
        (('provider = "openai"', 'provider = "OpenAI"'), "not a canonical provider"),
        (('model = "gpt-test"', 'model = "openai/GPT-test"'), "must be written normalized"),
        (
            ('source = "test"', 'source = "test"\nlong_context_input = "2"'),
            "need `long_context_threshold`",
        ),
    ],
)
def test_loader_rejects_a_bad_row(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD_ROW
    path = tmp_path / "bad.toml"
    path.write_text('unit = "USD per 1M tokens"\n' + GOOD_ROW.replace(old, new), encoding="utf-8")
    with pytest.raises(PriceTableError) as info:
        load_price_file(path)
    text = str(info.value)
    assert message in text
    # The error names the file and the row.
    assert "bad.toml" in text and "[[price]] #1" in text


def test_loader_rejects_duplicates_and_wrong_unit(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text('unit = "USD per 1M tokens"\n' + GOOD_ROW + GOOD_ROW, encoding="utf-8")
    with pytest.raises(PriceTableError, match="#2.*duplicate of"):
        load_price_file(path)
    path.write_text('unit = "USD per 1k tokens"\n' + GOOD_ROW, encoding="utf-8")
    with pytest.raises(PriceTableError, match="unit"):
        load_price_file(path)
    path.write_text("unit = ", encoding="utf-8")
    with pytest.raises(PriceTableError, match="not valid TOML"):
        load_price_file(path)


def _cost(model: str, provider: str | None, at: date, **counts: int) -> Decimal | None:
    from tessera.pricing import CostCalculator
    from tessera.usage import Usage

    usage = Usage(provider, model, reported=True, **counts)  # type: ignore[arg-type]
    return CostCalculator().cost_of(usage, at=at)


def test_reference_examples_on_the_wider_table() -> None:
    day = date(2026, 1, 15)
    # prices.md §6 ex. 2, claude-haiku-4-5: 9×1 + 17,102×0.10 = 9 + 1,710.2 = 1,719.2 / 1e6.
    assert _cost(
        "claude-haiku-4-5",
        None,
        day,
        input_tokens=17_111,
        output_tokens=0,
        cache_read_tokens=17_102,
    ) == Decimal("0.0017192")
    # ex. 7, gemini-2.5-pro above 200k: 5,005×2.50 + 257,955×0.25 + 1,744×15
    #   = 12,512.5 + 64,488.75 + 26,160 = 103,161.25 / 1e6.
    assert _cost(
        "gemini-2.5-pro",
        "gemini",
        day,
        input_tokens=262_960,
        output_tokens=1744,
        cache_read_tokens=257_955,
    ) == Decimal("0.10316125")
    # ex. 4 with the built-in Bedrock eu. row: 10×5.5 + 66,360×0.55 + 32,435×6.875 + 5,120×27.5
    #   = 55 + 36,498 + 222,990.625 + 140,800 = 400,343.625 / 1e6.
    assert _cost(
        "eu.anthropic.claude-opus-4-5-20251101-v1:0",
        None,
        day,
        input_tokens=10 + 66_360 + 32_435,
        output_tokens=5120,
        cache_read_tokens=66_360,
        cache_write_tokens=32_435,
    ) == Decimal("0.400343625")
    # §4: us. Sonnet 4.5 1M + 1M = 3.3 + 16.5 = $19.80; global 3 + 15 = $18.00.
    one_m = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert _cost(f"us.{sonnet}", None, day, **one_m) is not None
    # (1M input is above the 200k tier; compare at 100k + 100k: a tenth of 19.80 and 18.00.)
    tenth = {"input_tokens": 100_000, "output_tokens": 100_000}
    assert _cost(f"us.{sonnet}", None, day, **tenth) == Decimal("1.98")
    assert _cost(f"global.{sonnet}", None, day, **tenth) == Decimal("1.8")


def test_dated_changes_on_the_wider_table() -> None:
    tenth = {"input_tokens": 300_000, "output_tokens": 100_000}
    # claude-opus-4-6 above 200k before 2026-03-13: 300k×10 + 100k×37.50 = 3 + 3.75 = 6.75;
    # from 2026-03-13 flat: 300k×5 + 100k×25 = 1.5 + 2.5 = 4.
    assert _cost("claude-opus-4-6", None, date(2026, 3, 12), **tenth) == Decimal("6.75")
    assert _cost("claude-opus-4-6", None, date(2026, 3, 13), **tenth) == Decimal(4)
    # deepseek-chat, 1M in + 1M out: 0.14 + 0.28 promo; 0.27 + 1.10; 0.56 + 1.68; 0.28 + 0.42.
    one_m = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    expected = [
        (date(2025, 1, 10), "0.42"),
        (date(2025, 3, 1), "1.37"),
        (date(2025, 9, 10), "2.24"),
        (date(2025, 10, 1), "0.70"),
    ]
    for day, usd in expected:
        assert _cost("deepseek-chat", "deepseek", day, **one_m) == Decimal(usd)
    # Copilot ids with dots are $0, a real price.
    assert _cost("claude-sonnet-4.5", "github_copilot", date(2026, 1, 1), **one_m) == 0
