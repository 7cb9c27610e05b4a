"""Pricing: the built-in price table, model-name matching and exact call costs.

Prices are USD per million tokens as exact decimals, one row per model price
period (``data/prices.toml``). :class:`CostCalculator` picks the row in force
when a call was made and prices the call's normalized usage.
"""

from __future__ import annotations

from tessera.pricing.book import PriceBook
from tessera.pricing.calculator import CallCost, CostCalculator
from tessera.pricing.config import apply_custom_prices
from tessera.pricing.errors import PatternConflictError, PriceTableError, PricingError
from tessera.pricing.fallback import GenaiPricesFallback, PriceFallback
from tessera.pricing.formula import compute_cost, usage_problem
from tessera.pricing.matching import PriceIndex, Resolution
from tessera.pricing.names import ModelName, normalize_model
from tessera.pricing.row import PriceRow
from tessera.pricing.table import load_builtin_prices, load_price_file, parse_price_table

__all__ = [
    "CallCost",
    "CostCalculator",
    "GenaiPricesFallback",
    "ModelName",
    "PatternConflictError",
    "PriceFallback",
    "PriceBook",
    "PriceIndex",
    "PriceRow",
    "PriceTableError",
    "PricingError",
    "Resolution",
    "apply_custom_prices",
    "compute_cost",
    "load_builtin_prices",
    "load_price_file",
    "normalize_model",
    "parse_price_table",
    "usage_problem",
]
