"""How Python values become column values and back: times, money, prices, JSON.

Times are ISO-8601 UTC text with milliseconds (``2026-12-03T15:34:06.123Z``) so
that ``sqlite3`` users read them directly and ranges compare as text. Money is
kept as exact picodollars (USD x 10^12) in an INTEGER column beside the REAL
``cost_usd`` that plain SQL reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

#: Picodollars per dollar: every price in the built-in table is a whole number
#: of picodollars per token, so costs are exact at this scale.
PUSD_PER_USD = 10**12


def iso_utc(moment: datetime) -> str:
    """Format a datetime as ISO-8601 UTC text with milliseconds and ``Z``.

    A naive datetime is taken as UTC. Sub-millisecond digits are truncated, not
    rounded, so a moment never moves past a later one when both are formatted.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_time(text: str | None) -> datetime | None:
    """Read a stored time back as an aware UTC datetime (``None`` stays ``None``)."""
    if text is None:
        return None
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def to_pusd(cost_usd: Decimal) -> int:
    """Exact picodollars of a USD amount; the one place a cost may be rounded (half-even)."""
    with localcontext() as ctx:
        ctx.prec = 60
        scaled = cost_usd.scaleb(12)
        return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_pusd(pusd: int) -> Decimal:
    """The exact USD amount of a picodollar count, without trailing zeros."""
    return plain(Decimal(pusd).scaleb(-12))


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and without a positive exponent (``30``, not ``3E+1``)."""
    with localcontext() as ctx:
        # normalize() rounds to the context precision; keep every digit.
        ctx.prec = 60
        normalized = value.normalize()
        exponent = normalized.as_tuple().exponent
        if isinstance(exponent, int) and exponent > 0:
            return normalized.quantize(Decimal(1))
        return normalized


def price_text(per_mtok: Decimal | None) -> str | None:
    """The per-1k price column text of a per-million price: exact, no exponent."""
    if per_mtok is None:
        return None
    return format(plain(per_mtok.scaleb(-3)), "f")


def price_from_text(per_1k: str | None) -> Decimal | None:
    """The per-million price of a per-1k price column text."""
    if per_1k is None:
        return None
    return plain(Decimal(per_1k).scaleb(3))


def date_text(day: date | None) -> str | None:
    """``YYYY-MM-DD`` of a date, passing ``None`` through."""
    return None if day is None else day.isoformat()


def parse_date(text: str | None) -> date | None:
    """A stored ``YYYY-MM-DD`` back as a date."""
    return None if text is None else date.fromisoformat(text)


def to_json(value: Mapping[str, Any]) -> str:
    """Compact JSON of a mapping; values JSON cannot hold are written as their ``str``."""
    return json.dumps(dict(value), default=str, separators=(",", ":"), sort_keys=True)


def from_json(text: str | None) -> dict[str, Any]:
    """A stored JSON object back as a dict (an empty dict for ``NULL``)."""
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {"value": loaded}
