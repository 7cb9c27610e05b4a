"""Custom prices from the configuration file (``pricing.custom``, DESIGN §11).

The rows are applied at every start. Adding is idempotent (a row already stored
with the same content is reused), and a row that left the file stops being
used, so the store follows the file without growing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from tessera.errors import ConfigError
from tessera.pricing.calculator import CostCalculator
from tessera.pricing.errors import PricingError
from tessera.pricing.row import PriceRow

if TYPE_CHECKING:
    from tessera.config.model import TesseraConfig

#: Note of every row that comes from ``pricing.custom``; marks them for the sync.
CONFIG_NOTE = "config file: pricing.custom"
#: Effective date of a config row without ``effective_date``: it prices every call.
CONFIG_EPOCH = date(1970, 1, 1)
_PER_1K = Decimal(1000)

#: The configuration key (``pricing.<key>``) that turns the genai-prices fallback on.
FALLBACK_KEY = "genai_prices_fallback"


def apply_custom_prices(calculator: CostCalculator, config: TesseraConfig) -> list[PriceRow]:
    """Add the ``pricing.custom`` rows to ``calculator`` (and its store).

    Prices in the file are per 1,000 tokens, as in the seed. A row without
    ``effective_date`` applies from 1970-01-01, so it prices every call.
    Active user rows that came from the file earlier and are no longer in it
    are deactivated (never deleted: calls keep their ids). When the
    configuration has ``pricing.genai_prices_fallback: true`` the genai-prices
    fallback is turned on too.

    Args:
        calculator: The calculator that prices the calls (the Observer's).
        config: The loaded configuration.

    Returns:
        The rows now in force for the file's entries, in file order.

    Raises:
        ConfigError: An entry is not a valid price; the message names its index and model.
    """
    if getattr(config.pricing, FALLBACK_KEY, False) and calculator.fallback is None:
        try:
            calculator.fallback = CostCalculator(fallback=True).fallback
        except PricingError as exc:
            raise ConfigError(f"pricing.{FALLBACK_KEY}: {exc}") from exc
    applied: list[PriceRow] = []
    for number, entry in enumerate(config.pricing.custom):
        try:
            applied.append(
                calculator.add_pricing(
                    entry.model,
                    entry.prompt_price_per_1k,
                    entry.completion_price_per_1k,
                    provider=entry.provider,
                    cache_read_per_mtok=_per_mtok(entry.cache_read_price_per_1k),
                    cache_write_per_mtok=_per_mtok(entry.cache_write_price_per_1k),
                    pattern=entry.model_pattern,
                    effective_date=entry.effective_date or CONFIG_EPOCH,
                    note=CONFIG_NOTE,
                )
            )
        except PricingError as exc:
            raise ConfigError(f"pricing.custom.{number} ({entry.model}): {exc}") from exc
    kept = {row.id for row in applied}
    for row in calculator.rows():
        stale = row.source == "user" and row.note == CONFIG_NOTE and row.id not in kept
        if stale and row.id is not None:
            calculator.remove_pricing(row.id)
    return applied


def _per_mtok(per_1k: Decimal | None) -> Decimal | None:
    return None if per_1k is None else per_1k * _PER_1K
