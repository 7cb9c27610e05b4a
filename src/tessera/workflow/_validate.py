"""Checks on monitor settings and iteration values; each failure names the value and the range."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from tessera.workflow._iteration import QualityInputError


def integer(name: str, value: object, minimum: int) -> int:
    """Return ``value`` if it is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise QualityInputError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise QualityInputError(f"{name} must be at least {minimum}, got {value}")
    return value


def number(name: str, value: object, low: float, high: float | None) -> float:
    """Return ``value`` as a float if it is a finite real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QualityInputError(f"{name} must be a number, got {value!r}")
    result = float(value)
    if math.isnan(result) or math.isinf(result):
        raise QualityInputError(f"{name} must be a finite number, got {value!r}")
    if result < low or (high is not None and result > high):
        upper = "" if high is None else f" to {high:g}"
        raise QualityInputError(f"{name} must be from {low:g}{upper}, got {value!r}")
    return result


def usd(name: str, value: object) -> Decimal:
    """Return a non-negative, finite dollar amount as an exact ``Decimal``."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise QualityInputError(f"{name} must be a dollar amount, got {value!r}")
    try:
        # str() first: Decimal(0.1) would carry the float's binary error into the sum.
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise QualityInputError(f"{name} must be a dollar amount, got {value!r}") from None
    if not result.is_finite():
        raise QualityInputError(f"{name} must be a finite dollar amount, got {value!r}")
    if result < 0:
        raise QualityInputError(f"{name} must not be negative, got {value!r}")
    return result


def timestamp(name: str, value: object) -> datetime:
    """Return a stored time as an aware UTC ``datetime`` (ISO text is accepted too)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise QualityInputError(f"{name} is not an ISO-8601 time: {value!r}") from None
    if not isinstance(value, datetime):
        raise QualityInputError(f"{name} must be a datetime, got {value!r}")
    # Stored times are UTC; a naive one can only mean UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
