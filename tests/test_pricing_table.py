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
