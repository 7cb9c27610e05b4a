"""The cost of one call from its normalized usage and a price row (DESIGN §5, prices.md §6).

Every token is priced exactly once: cache reads and writes are parts of the
input, reasoning is part of the output. Arithmetic is :class:`~decimal.Decimal`
throughout with a wide private context, so results are exact (no rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from tessera.pricing.row import PriceRow
from tessera.usage import Usage

_TOKENS_PER_PRICE_UNIT = Decimal(1_000_000)
# Token counts below 10**15 times prices with up to 12 decimals stay far inside this.
_EXACT = Context(prec=60)


@dataclass(frozen=True, slots=True)
class Rates:
    """The per-MTok rates that apply to one request (after tier and fallbacks)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal
    reasoning: Decimal
    long_context: bool


def rates_for(row: PriceRow, input_tokens: int) -> Rates:
    """The rates for a request with ``input_tokens`` of input (cache included).

    Above the row's long-context threshold the whole request uses the tier's
    rates (the cliff rule). Missing cache prices fall back to the input rate,
    a missing 1-hour write price to the 5-minute one, a missing reasoning price
    to the output rate.
    """
    threshold = row.long_context_threshold
    tier_input = row.long_context_prompt_per_mtok
    tier_output = row.long_context_completion_per_mtok
    tier = False
    above = threshold is not None and input_tokens > threshold
    if above and tier_input is not None and tier_output is not None:
        tier = True
        input_rate, output_rate = tier_input, tier_output
        cache_read = _first(row.long_context_cache_read_per_mtok, input_rate)
        cache_write = _first(row.long_context_cache_write_per_mtok, input_rate)
        # No tier price for 1h writes exists in the data; the tier's 5m price is the best known.
        cache_write_1h = cache_write
    else:
        input_rate = row.prompt_per_mtok
        output_rate = row.completion_per_mtok
        cache_read = _first(row.cache_read_per_mtok, input_rate)
        cache_write = _first(row.cache_write_per_mtok, input_rate)
        cache_write_1h = _first(row.cache_write_1h_per_mtok, cache_write)
    return Rates(
        input=input_rate,
        output=output_rate,
        cache_read=cache_read,
        cache_write=cache_write,
        cache_write_1h=cache_write_1h,
        reasoning=_first(row.reasoning_per_mtok, output_rate),
        long_context=tier,
    )


def usage_problem(usage: Usage) -> str | None:
    """Why the counts of a reported usage cannot be priced, or None when they are consistent.

    A part larger than its whole (cache read > input, reasoning > output, ...)
    or a negative count is invalid data; pricing it would give a wrong or
    negative cost.
    """
    counts = {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "cache_write_1h_tokens": usage.cache_write_1h_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    for name, value in counts.items():
        if value is not None and (isinstance(value, bool) or value < 0):
            return f"{name} is {value!r}; token counts must be non-negative integers"
    total_in = usage.input_tokens or 0
    cached = (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0)
    if cached > total_in:
        return (
            f"cache_read_tokens ({usage.cache_read_tokens}) + cache_write_tokens "
            f"({usage.cache_write_tokens}) exceed input_tokens ({usage.input_tokens})"
        )
    if (usage.cache_write_1h_tokens or 0) > (usage.cache_write_tokens or 0):
        return (
            f"cache_write_1h_tokens ({usage.cache_write_1h_tokens}) exceed "
            f"cache_write_tokens ({usage.cache_write_tokens})"
        )
    if (usage.reasoning_tokens or 0) > (usage.output_tokens or 0):
        return (
            f"reasoning_tokens ({usage.reasoning_tokens}) exceed "
            f"output_tokens ({usage.output_tokens})"
        )
    return None


def compute_cost(row: PriceRow, usage: Usage) -> Decimal:
    """The exact cost in USD of a call whose usage :func:`usage_problem` accepted.

    Args:
        row: The price row of the call's model.
        usage: Normalized counts with ``input_tokens`` and ``output_tokens`` set.

    Returns:
        The cost, unrounded.
    """
    total_in = usage.input_tokens or 0
    total_out = usage.output_tokens or 0
    cache_read = usage.cache_read_tokens or 0
    cache_write = usage.cache_write_tokens or 0
    write_1h = usage.cache_write_1h_tokens or 0
    reasoning = usage.reasoning_tokens or 0
    rates = rates_for(row, total_in)
    with localcontext(_EXACT):
        per_mtok = (
            (total_in - cache_read - cache_write) * rates.input
            + cache_read * rates.cache_read
            + (cache_write - write_1h) * rates.cache_write
            + write_1h * rates.cache_write_1h
            + (total_out - reasoning) * rates.output
            + reasoning * rates.reasoning
        )
        return per_mtok / _TOKENS_PER_PRICE_UNIT


def _first(value: Decimal | None, fallback: Decimal) -> Decimal:
    return fallback if value is None else value
