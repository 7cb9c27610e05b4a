"""``CostCalculator``: prices each call from its normalized usage.

Without a store the calculator prices with the built-in table (row ids None)
and keeps custom prices in memory. With a :class:`PriceBook` (the metrics
store) it syncs the built-in rows into ``model_pricing`` on first use and
prices with the stored rows, so each call can be stored with the id of the row
that priced it and history never changes when prices do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from tessera._log import log_internal_error, logger
from tessera.errors import UnknownModelError
from tessera.pricing.book import PriceBook
from tessera.pricing.custom import (
    PriceValue,
    build_user_row,
    check_pattern_siblings,
    pick_price,
    same_user_row,
    to_day,
    to_price,
)
from tessera.pricing.errors import PricingError
from tessera.pricing.fallback import SOURCE, GenaiPricesFallback, PriceFallback, is_fallback_row
from tessera.pricing.formula import compute_cost, usage_problem
from tessera.pricing.matching import PriceIndex, Resolution
from tessera.pricing.notices import note_deprecated, warn_unpriced
from tessera.pricing.row import PriceRow
from tessera.pricing.table import load_builtin_prices
from tessera.records import CostStatus
from tessera.usage import Usage


@dataclass(frozen=True, slots=True)
class CallCost:
    """The cost of one call.

    Attributes:
        status: ``priced``; ``unpriced`` (usage known, no price for the model);
            ``no_usage`` (no usage reported, or counts that contradict each other).
        cost_usd: Exact cost in USD; None unless ``priced``.
        price: The row that priced the call (its ``id`` is the ``model_pricing`` row).
        problem: Why counts could not be priced, for ``no_usage`` with bad counts.
        source: Where the price came from: ``builtin`` (Tessera's table), ``user``
            (a custom price) or ``genai-prices`` (the optional fallback); None
            when not priced.
    """

    status: CostStatus
    cost_usd: Decimal | None
    price: PriceRow | None
    problem: str | None = None
    source: str | None = None


class CostCalculator:
    """Prices model calls from normalized usage with exact decimals.

    Args:
        store: Where price rows live (the metrics store); None prices with the
            built-in table and keeps custom prices in memory.
        fallback: Where to look when no row prices a model: ``True`` for the
            optional genai-prices data (extra ``[genai-prices]``), or any
            :class:`~tessera.pricing.fallback.PriceFallback`. Off by default.

    Raises:
        PricingError: ``fallback=True`` without the genai-prices extra installed.
    """

    def __init__(
        self, store: PriceBook | None = None, *, fallback: PriceFallback | bool | None = None
    ) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._index: PriceIndex | None = None
        self.fallback: PriceFallback | None = (
            GenaiPricesFallback() if fallback is True else (fallback or None)
        )

    def rows(self) -> list[PriceRow]:
        """Every active price row (built-in and user), loading them if needed."""
        return list(self._prices().rows)

    def explain(
        self, model: str, provider: str | None = None, at: datetime | date | None = None
    ) -> Resolution:
        """How ``model`` resolves to a price row, step by step (``tessera pricing show``)."""
        day = _day(at)
        found = self._prices().explain(provider, model, day)
        if found.row is None and self.fallback is not None and found.parsed.name:
            row = self.fallback.lookup(provider, model, day)
            if row is not None:
                return replace(found, row=row, match=SOURCE, matched_name=row.model_name)
        return found

    def remove_pricing(self, price_id: int) -> None:
        """Stop using a user price row (it stays stored for the calls it priced).

        Raises:
            PricingError: No store, no active row with that id, or a built-in row.
        """
        row = next((r for r in self._prices().rows if r.id == price_id), None)
        if row is None:
            raise PricingError(f"no active price row with id {price_id}")
        if row.source != "user":
            raise PricingError(
                f"price row {price_id} is built-in and cannot be removed; "
                "add a user price for the model to override it"
            )
        deactivate = getattr(self._store, "deactivate_price", None)
        if deactivate is None:
            raise PricingError("removing a price needs a store that can deactivate rows")
        deactivate(price_id)
        self.reload()

    def price_for(
        self, model: str, provider: str | None = None, at: datetime | date | None = None
    ) -> PriceRow | None:
        """The price row that applies to a call, or None when the model has no price.

        Args:
            model: Model id in any common form (``openai/gpt-4o``, a Bedrock or Vertex id, ...).
            provider: Provider the call went through; None uses the provider the
                id names, else the model's own vendor.
            at: Time of the call (naive datetimes are taken as UTC); default now.
        """
        return self._lookup(provider, model, _day(at))

    def price_call(self, usage: Usage, at: datetime | date | None = None) -> CallCost:
        """Price one call. Never returns $0 for an unknown model.

        An unknown model gives ``unpriced`` and, once per provider and model in
        the process, an :class:`~tessera.errors.UnpricedModelWarning` and a
        logged warning.

        Args:
            usage: The call's normalized usage.
            at: Time of the call; default now.
        """
        return self._price(usage, at)

    def cost_of(self, usage: Usage, at: datetime | date | None = None) -> Decimal | None:
        """The exact cost in USD of a call, or None when it cannot be priced."""
        return self._price(usage, at).cost_usd

    def calculate_cost(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        model: str,
        provider: str | None = None,
        *,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        reasoning_tokens: int = 0,
        at: datetime | date | None = None,
    ) -> float:
        """The cost in USD as a float (the seed's API; use :meth:`cost_of` for exact Decimals).

        Args:
            prompt_tokens: Every input token, cache read and cache write included.
            completion_tokens: Every output token, reasoning included.
            model: Model id.
            provider: Provider the call went through.
            cache_read_tokens: Part of ``prompt_tokens`` read from the cache.
            cache_write_tokens: Part of ``prompt_tokens`` written to the cache.
            reasoning_tokens: Part of ``completion_tokens`` spent reasoning.
            at: Time of the call; default now.

        Raises:
            UnknownModelError: The model has no price.
            PricingError: Negative counts, or a part larger than its whole.
        """
        counts = (prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens)
        for value in (*counts, reasoning_tokens):
            if isinstance(value, bool) or not isinstance(value, int):
                raise PricingError(f"token counts must be integers, got {value!r}")
        usage = Usage(
            provider=provider,
            model=model,
            input_tokens=prompt_tokens,
            output_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
            reasoning_tokens=reasoning_tokens,
            reported=True,
        )
        problem = usage_problem(usage)
        if problem is not None:
            raise PricingError(problem)
        day = _day(at)
        row = self._lookup(provider, model, day)
        if row is None:
            raise UnknownModelError(model, provider)
        note_deprecated(row, day)
        return float(compute_cost(row, usage))

    def add_pricing(
        self,
        model: str,
        prompt_per_1k: PriceValue | None = None,
        completion_per_1k: PriceValue | None = None,
        *,
        provider: str | None = None,
        prompt_per_mtok: PriceValue | None = None,
        completion_per_mtok: PriceValue | None = None,
        cache_read_per_mtok: PriceValue | None = None,
        cache_write_per_mtok: PriceValue | None = None,
        cache_write_1h_per_mtok: PriceValue | None = None,
        reasoning_per_mtok: PriceValue | None = None,
        long_context_threshold: int | None = None,
        long_context_prompt_per_mtok: PriceValue | None = None,
        long_context_completion_per_mtok: PriceValue | None = None,
        long_context_cache_read_per_mtok: PriceValue | None = None,
        long_context_cache_write_per_mtok: PriceValue | None = None,
        pattern: str | None = None,
        effective_date: date | str | None = None,
        deprecated_date: date | str | None = None,
        note: str | None = None,
    ) -> PriceRow:
        """Add a custom price (``source="user"``); it wins over built-in prices.

        Prices are given per 1k tokens (the seed's unit) or per million tokens,
        as str, int, Decimal or float (floats are converted through ``str()``,
        so ``0.03`` is exactly 0.03). Stored in the store when there is one.

        Args:
            model: Model id (normalized before storing).
            prompt_per_1k: Input price per 1,000 tokens (or give ``prompt_per_mtok``).
            completion_per_1k: Output price per 1,000 tokens (or ``completion_per_mtok``).
            provider: Provider the price applies to; default: the one the id names,
                else the provider that already prices the model.
            prompt_per_mtok: Input price per million tokens.
            completion_per_mtok: Output price per million tokens.
            cache_read_per_mtok: Cache-read price (default: the input price).
            cache_write_per_mtok: Cache-write price, 5-minute TTL (default: input price).
            cache_write_1h_per_mtok: Cache-write price, 1-hour TTL (default: 5-minute price).
            reasoning_per_mtok: Reasoning price (default: the output price).
            long_context_threshold: Input size above which the tier prices apply to
                the whole request.
            long_context_prompt_per_mtok: Tier input price.
            long_context_completion_per_mtok: Tier output price.
            long_context_cache_read_per_mtok: Tier cache-read price.
            long_context_cache_write_per_mtok: Tier cache-write price.
            pattern: Regular expression matched against whole normalized ids.
            effective_date: First day the price applies; default today (UTC).
            deprecated_date: Day the model is retired.
            note: Where the price comes from.

        Returns:
            The stored row (with its store id when there is a store). Adding a
            row that an active user row already prices the same way (provider,
            model, pattern, dates and prices) returns that row: no duplicate.

        Raises:
            PricingError: A bad price, date, pattern or provider.
            PatternConflictError: The pattern also matches another priced model
                with a different price.
        """
        prices = {
            "prompt_per_mtok": pick_price(prompt_per_1k, prompt_per_mtok, "input"),
            "completion_per_mtok": pick_price(completion_per_1k, completion_per_mtok, "output"),
            "cache_read_per_mtok": to_price(cache_read_per_mtok, "cache_read_per_mtok"),
            "cache_write_per_mtok": to_price(cache_write_per_mtok, "cache_write_per_mtok"),
            "cache_write_1h_per_mtok": to_price(cache_write_1h_per_mtok, "cache_write_1h_per_mtok"),
            "reasoning_per_mtok": to_price(reasoning_per_mtok, "reasoning_per_mtok"),
            "long_context_prompt_per_mtok": to_price(
                long_context_prompt_per_mtok, "long_context_prompt_per_mtok"
            ),
            "long_context_completion_per_mtok": to_price(
                long_context_completion_per_mtok, "long_context_completion_per_mtok"
            ),
            "long_context_cache_read_per_mtok": to_price(
                long_context_cache_read_per_mtok, "long_context_cache_read_per_mtok"
            ),
            "long_context_cache_write_per_mtok": to_price(
                long_context_cache_write_per_mtok, "long_context_cache_write_per_mtok"
            ),
        }
        index = self._prices()
        row = build_user_row(
            index,
            model,
            provider,
            prices,
            long_context_threshold=long_context_threshold,
            pattern=pattern,
            effective_date=to_day(effective_date, "effective_date") or _day(None),
            deprecated_date=to_day(deprecated_date, "deprecated_date"),
            note=note,
        )
        existing = same_user_row(index, row)
        if existing is not None:
            return existing
        check_pattern_siblings(index, row)
        stored = self._store.add_price(row) if self._store is not None else row
        with self._lock:
            current = self._index or index
            self._index = PriceIndex((*current.rows, stored))
        logger.info(
            "tessera: added price for %s (%s) from %s",
            stored.model_name,
            stored.provider,
            stored.effective_date,
        )
        return stored

    def reload(self) -> None:
        """Forget the loaded rows; the next lookup reads them again (from the store, if any)."""
        with self._lock:
            self._index = None

    def _prices(self) -> PriceIndex:
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = PriceIndex(self._load_rows())
                index = self._index
        return index

    def _load_rows(self) -> list[PriceRow]:
        builtin = load_builtin_prices()
        if self._store is None:
            return builtin
        try:
            return self._store.load_prices(builtin)
        except Exception:
            # Pricing must not stop the program; calls are priced, without row ids.
            log_internal_error("loading prices from the store")
            return builtin

    def _price(self, usage: Usage, at: datetime | date | None) -> CallCost:
        if not usage.reported or usage.input_tokens is None or usage.output_tokens is None:
            return CallCost("no_usage", None, None)
        problem = usage_problem(usage)
        if problem is not None:
            logger.warning(
                "tessera: usage of %s (%s) not priced, its counts contradict each other: %s",
                usage.model,
                usage.provider,
                problem,
            )
            return CallCost("no_usage", None, None, problem)
        day = _day(at)
        row = self._lookup(usage.provider, usage.model, day) if usage.model else None
        if row is None:
            warn_unpriced(usage.provider, usage.model)
            return CallCost("unpriced", None, None)
        note_deprecated(row, day)
        source = SOURCE if is_fallback_row(row) else row.source
        return CallCost("priced", compute_cost(row, usage), row, source=source)

    def _lookup(self, provider: str | None, model: str, day: date) -> PriceRow | None:
        row = self._prices().lookup(provider, model, day)
        if row is None and self.fallback is not None and model.strip():
            row = self.fallback.lookup(provider, model, day)
        return row


def _day(at: datetime | date | None) -> date:
    if at is None:
        return datetime.now(UTC).date()
    if isinstance(at, datetime):
        # Naive datetimes are taken as UTC, the time base of every Tessera record.
        return at.astimezone(UTC).date() if at.tzinfo else at.date()
    return at
