"""Custom (user) prices: building a validated row and guarding patterns.

A user row wins over built-in rows, and a user pattern is tried before
built-in exact rows, so a careless pattern (``gpt-4o.*``) would silently
reprice sibling models (``gpt-4o-mini``). Such patterns are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from tessera.pricing.errors import PatternConflictError, PricingError
from tessera.pricing.matching import PriceIndex
from tessera.pricing.names import name_variants, normalize_model, provider_id
from tessera.pricing.row import PriceRow
from tessera.pricing.table import check_pattern, with_prices

#: What a price argument may be. Floats are converted through ``str()`` (their
#: shortest repr), so ``0.03`` becomes ``Decimal("0.03")``, not the binary value.
PriceValue = str | int | float | Decimal

_PER_1K_TO_MTOK = Decimal(1000)

#: The dearest price accepted, in USD per million tokens: 16 times the dearest
#: in the built-in table (o1-pro output, $600). A larger one is a typo (or a
#: per-million price given with ``--per 1k``), and its costs would not fit the
#: database's 64-bit picodollar integers.
MAX_PRICE_PER_MTOK = Decimal(10_000)
_PRICE_FIELDS = (
    "prompt_per_mtok",
    "completion_per_mtok",
    "cache_read_per_mtok",
    "cache_write_per_mtok",
    "cache_write_1h_per_mtok",
    "reasoning_per_mtok",
    "long_context_threshold",
    "long_context_prompt_per_mtok",
    "long_context_completion_per_mtok",
    "long_context_cache_read_per_mtok",
    "long_context_cache_write_per_mtok",
)


def to_price(value: PriceValue | None, what: str, per_mtok: Decimal = Decimal(1)) -> Decimal | None:
    """An exact, non-negative, finite Decimal from a price argument (None stays None).

    Args:
        value: The price as given.
        what: Names the price in error messages.
        per_mtok: What one unit of ``value`` is per million tokens (1000 for a per-1k price).

    Raises:
        PricingError: The value is not a number, negative, NaN, infinite or
            above :data:`MAX_PRICE_PER_MTOK`.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PricingError(f"{what}: price must be a str, int, float or Decimal, got {value!r}")
    try:
        price = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise PricingError(f"{what}: not a decimal number: {value!r}") from exc
    if not price.is_finite() or price < 0:
        raise PricingError(f"{what}: price must be a finite, non-negative number, got {value!r}")
    if price * per_mtok > MAX_PRICE_PER_MTOK:
        raise PricingError(
            f"{what}: price {value} is above the largest accepted "
            f"(${MAX_PRICE_PER_MTOK:,} per million tokens)"
        )
    return price


def pick_price(per_1k: PriceValue | None, per_mtok: PriceValue | None, what: str) -> Decimal:
    """The per-MTok price from exactly one of a per-1k and a per-MTok argument."""
    if per_1k is not None and per_mtok is not None:
        raise PricingError(f"give {what} per 1k or per MTok, not both")
    thousand = to_price(per_1k, f"{what} per 1k", _PER_1K_TO_MTOK)
    if thousand is not None:
        return thousand * _PER_1K_TO_MTOK
    million = to_price(per_mtok, f"{what} per MTok")
    if million is None:
        raise PricingError(f"a {what} price is required (per 1k or per MTok)")
    return million


def to_day(value: date | str | None, what: str) -> date | None:
    """A calendar day from a date, a datetime (its UTC day) or ISO text."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise PricingError(f"{what}: not a date (YYYY-MM-DD): {value!r}") from exc


def build_user_row(
    index: PriceIndex,
    model: str,
    provider: str | None,
    prices: Mapping[str, Decimal | None],
    *,
    long_context_threshold: int | None,
    pattern: str | None,
    effective_date: date,
    deprecated_date: date | None,
    note: str | None,
) -> PriceRow:
    """A validated user row; the provider defaults to the one the model id or table implies.

    Raises:
        PricingError: Empty model, unknown provider, bad pattern or incomplete tier.
    """
    if not isinstance(model, str) or not model.strip():
        raise PricingError(f"model must be a non-empty string, got {model!r}")
    parsed = normalize_model(model)
    chosen = provider_id(provider) or parsed.provider_hint
    chosen = chosen or index.home_provider(name_variants(parsed))
    if chosen is None:
        raise PricingError(
            f"no provider known for model {model!r}; pass provider= (e.g. 'openai', 'ollama')"
        )
    if pattern is not None:
        check_pattern(pattern, f"custom price for {model!r}")
    threshold = long_context_threshold
    tier_in, tier_out = (
        prices.get("long_context_prompt_per_mtok"),
        prices.get("long_context_completion_per_mtok"),
    )
    if (threshold is None) != (tier_in is None or tier_out is None):
        raise PricingError(
            "a long-context tier needs long_context_threshold, long_context_prompt_per_mtok "
            "and long_context_completion_per_mtok together"
        )
    if threshold is not None and (
        not isinstance(threshold, int) or isinstance(threshold, bool) or threshold <= 0
    ):
        raise PricingError(f"long_context_threshold must be a positive integer, got {threshold!r}")
    base = PriceRow(
        provider=chosen,
        model_name=parsed.lookup_name,
        prompt_per_mtok=Decimal(0),
        completion_per_mtok=Decimal(0),
        effective_date=effective_date,
        model_pattern=pattern,
        long_context_threshold=threshold,
        deprecated_date=deprecated_date,
        source="user",
        note=note,
    )
    return with_prices(base, prices)


def same_user_row(index: PriceIndex, row: PriceRow) -> PriceRow | None:
    """An active user row that prices exactly what ``row`` prices, if there is one.

    Same provider, model, pattern, dates and prices (the note does not count):
    adding it again must not give a second row (config rows are applied at
    every start).
    """
    for existing in index.rows:
        if (
            existing.source == "user"
            and existing.provider == row.provider
            and existing.model_name == row.model_name
            and existing.model_pattern == row.model_pattern
            and existing.effective_date == row.effective_date
            and existing.deprecated_date == row.deprecated_date
            and _prices(existing) == _prices(row)
        ):
            return existing
    return None


def check_pattern_siblings(index: PriceIndex, row: PriceRow) -> None:
    """Refuse a pattern that also matches another priced model with a different price.

    The sibling's price is compared for the period in force on the new row's
    effective date and every later period.

    Raises:
        PatternConflictError: Naming the pattern, the new model and the sibling.
    """
    if row.model_pattern is None:
        return
    compiled = re.compile(row.model_pattern, re.IGNORECASE)
    for name in sorted(index.exact_names(row.provider)):
        if name == row.model_name or not compiled.fullmatch(name):
            continue
        for sibling in _periods_from(index, row.provider, name, row.effective_date):
            if _prices(sibling) != _prices(row):
                raise PatternConflictError(
                    f"pattern {row.model_pattern!r} for {row.model_name!r} ({row.provider}) "
                    f"also matches {name!r}, which is priced differently "
                    f"({_describe(sibling)} from {sibling.effective_date} vs {_describe(row)}); "
                    f"anchor the pattern so it leaves {name!r} out"
                )


def _periods_from(index: PriceIndex, provider: str, name: str, day: date) -> list[PriceRow]:
    current = index.exact_row(provider, name, day)
    later = [
        r
        for r in index.rows
        if r.provider == provider and r.model_name == name and r.effective_date > day
    ]
    return ([current] if current is not None else []) + later


def _prices(row: PriceRow) -> tuple[object, ...]:
    return tuple(getattr(row, field) for field in _PRICE_FIELDS)


def _describe(row: PriceRow) -> str:
    return f"in {row.prompt_per_mtok} / out {row.completion_per_mtok} per MTok"
