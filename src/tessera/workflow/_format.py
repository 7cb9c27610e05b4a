"""How numbers appear in reasons and in the history table: short, but never misleading."""

from __future__ import annotations

from decimal import Decimal

_CENT = Decimal("0.01")


def _trimmed(value: float, min_places: int, max_places: int) -> str:
    # Show at least min_places decimals (0.9 -> "0.90") but keep up to max_places
    # so two close values (0.846 vs 0.85) never print the same.
    text = f"{abs(value):.{max_places}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(min_places, "0")
    sign = "-" if value < 0 and text.strip("0.") else ""
    return f"{sign}{whole}.{frac}"


def coverage(value: float) -> str:
    """Coverage in percent: ``75.0``, ``75.25``."""
    return _trimmed(value, 1, 3)


def quality(value: float) -> str:
    """A 0-1 quality score: ``0.90``, ``0.846``."""
    return _trimmed(value, 2, 4)


def signed(text: str) -> str:
    """Prefix a formatted gain with ``+`` unless it is negative."""
    return text if text.startswith("-") else f"+{text}"


def usd(value: Decimal) -> str:
    """Dollars with cents, or every significant digit when cents would hide some."""
    cents = value.quantize(_CENT)
    if cents == value:
        return f"${cents}"
    return f"${value.normalize():f}"
