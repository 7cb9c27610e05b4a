"""One price period of one model: the unit of the price table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

PriceSource = Literal["builtin", "user"]


@dataclass(frozen=True, slots=True)
class PriceRow:
    """Prices of one model from ``effective_date`` on, in USD per million tokens.

    Prices are kept per million tokens, as providers publish them; the store's
    seed columns (``prompt_price_per_1k``, ...) are derived exactly from these.
    A ``None`` cache or reasoning price means "no separate price": those tokens
    fall back to the input (cache) or output (reasoning) price.

    Attributes:
        provider: Canonical provider id the price applies to.
        model_name: Normalized model id (lower case, no provider prefix).
        prompt_per_mtok: Uncached input price.
        completion_per_mtok: Output price (reasoning included unless priced apart).
        effective_date: First day (UTC) the price applies to.
        model_pattern: Optional anchored regular expression matched against
            normalized names when no exact ``model_name`` matches.
        cache_read_per_mtok: Price of input tokens read from the prompt cache.
        cache_write_per_mtok: Price of input tokens written to the cache (5-minute TTL).
        cache_write_1h_per_mtok: Price of cache writes with a one-hour TTL.
        reasoning_per_mtok: Separate price of reasoning tokens, when the model has one.
        long_context_threshold: Input size (tokens) above which the whole request
            is priced at the ``long_context_*`` prices.
        deprecated_date: Day the model was retired; only warns, never hides the row.
        source: ``builtin`` (shipped table) or ``user`` (added by the user; wins).
        note: Where the price comes from.
        id: Row id in the store's ``model_pricing`` table, once stored.
    """

    provider: str
    model_name: str
    prompt_per_mtok: Decimal
    completion_per_mtok: Decimal
    effective_date: date
    model_pattern: str | None = None
    cache_read_per_mtok: Decimal | None = None
    cache_write_per_mtok: Decimal | None = None
    cache_write_1h_per_mtok: Decimal | None = None
    reasoning_per_mtok: Decimal | None = None
    long_context_threshold: int | None = None
    long_context_prompt_per_mtok: Decimal | None = None
    long_context_completion_per_mtok: Decimal | None = None
    long_context_cache_read_per_mtok: Decimal | None = None
    long_context_cache_write_per_mtok: Decimal | None = None
    deprecated_date: date | None = None
    source: PriceSource = "builtin"
    note: str | None = None
    id: int | None = None
