"""An absurd price is refused in one line, and the config's limit matches the library's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.config import load_config
from tessera.config.model import MAX_PRICE_PER_1K
from tessera.errors import ConfigError
from tessera.pricing import CostCalculator, PricingError
from tessera.pricing.custom import MAX_PRICE_PER_MTOK


@pytest.mark.parametrize("price", ["1e400", "1e60", "10001"])
def test_pricing_add_refuses_an_absurd_price_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], price: str
) -> None:
    db = tmp_path / "m.db"
    args = ["pricing", "add", "my-model", "--provider", "openai", "--output", "1"]
    assert main([*args, "--input", price, "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: input per MTok: price ")
    assert "above the largest accepted ($10,000 per million tokens)" in err
    assert len(err.strip().splitlines()) == 1


def test_the_largest_price_is_accepted_per_1k_and_per_mtok() -> None:
    calculator = CostCalculator()
    calculator.add_pricing(
        "my-model", provider="openai", prompt_per_mtok="10000", completion_per_1k="10"
    )
    with pytest.raises(PricingError, match="above the largest accepted"):
        calculator.add_pricing(
            "my-model-2", provider="openai", prompt_per_mtok=1, completion_per_1k="10.001"
        )


def test_the_config_file_and_the_library_agree_on_the_largest_price(tmp_path: Path) -> None:
    assert MAX_PRICE_PER_1K * 1000 == MAX_PRICE_PER_MTOK
    path = tmp_path / "config.yaml"
    path.write_text(
        "pricing:\n  custom:\n    - model: x\n      provider: openai\n"
        "      prompt_price_per_1k: 1e400\n      completion_price_per_1k: 1\n"
    )
    with pytest.raises(ConfigError, match="prompt_price_per_1k: Input should be less than"):
        load_config(path)
    path.write_text(path.read_text().replace("1e400", "10"))
    assert load_config(path).pricing.custom[0].prompt_price_per_1k == Decimal(10)
