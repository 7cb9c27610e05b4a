"""Errors of the pricing package.

They all derive from :class:`tessera.errors.TesseraError` and from
:class:`ValueError`, because each one reports a bad value: a bad row of a
price table, a bad custom price, or usage counts that contradict each other.
"""

from __future__ import annotations

from tessera.errors import TesseraError


class PricingError(TesseraError, ValueError):
    """A price or a usage given to the cost calculator is invalid."""


class PriceTableError(PricingError):
    """A row of a price table is invalid; the message names the row."""


class PatternConflictError(PricingError):
    """A custom price's pattern would also capture another priced model with another price."""
