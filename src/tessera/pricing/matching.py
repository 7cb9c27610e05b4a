"""Choosing the price row for a call: provider, model name and date (prices.md §7).

Order of search, for each name variant (see :func:`name_variants`): user rows
with that exact name, user patterns, built-in exact rows, built-in patterns.
Among the rows of the chosen model, the one with the latest
``effective_date`` not after the call's day wins.

Provider: a given provider only ever matches its own rows, because the same
model can cost differently per channel and a silent fallback to another
channel's price is a wrong price. Without a provider, the provider named by
the id itself (``vertex_ai/...``, a Bedrock id) is used, else the model's home
provider (the vendor's own API).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from tessera.pricing.names import ModelName, name_variants, normalize_model, provider_id
from tessera.pricing.row import PriceRow

__all__ = ["ModelName", "PriceIndex", "Resolution", "normalize_model", "provider_id"]

# Without a provider, a model's own vendor is preferred over resellers and Copilot's $0.
_HOME_RANK = {"openai": 0, "anthropic": 1, "gemini": 2}
_COPILOT_RANK = 99
_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Resolution:
    """Why a model id resolved to a price row (``tessera pricing show``).

    Attributes:
        model: The id as given.
        parsed: The normalized name, the provider the id named and the Bedrock region.
        variants: Names tried, in order (regional, plain, compact date dashed, family).
        provider: The provider whose rows were searched; None when no provider prices it.
        provider_reason: ``given``, ``named by the model id`` or ``the model's own vendor``.
        row: The chosen row, or None (unpriced).
        matched_name: The variant that found rows.
        match: ``exact``, ``pattern``, ``compact date`` or ``family alias``.
        periods: Every period of the matched model (for the provider, same source).
        before_first: The call precedes the first period; its first price is used.
    """

    model: str
    parsed: ModelName
    variants: list[str]
    provider: str | None
    provider_reason: str | None
    row: PriceRow | None = None
    matched_name: str | None = None
    match: str | None = None
    periods: list[PriceRow] = field(default_factory=list)
    before_first: bool = False

    @property
    def until(self) -> date | None:
        """First day of the next period of the matched model, or None when current."""
        if self.row is None:
            return None
        later = [
            r.effective_date for r in self.periods if r.effective_date > self.row.effective_date
        ]
        return min(later, default=None)


def _variant_kind(name: str, variant: str) -> str:
    # name_variants only adds the dashed compact date and the dateless family alias.
    return "family alias" if len(variant) < len(name) else "compact date"


def _rank(provider: str) -> tuple[int, str]:
    if provider == "github_copilot":
        return (_COPILOT_RANK, provider)
    return (_HOME_RANK.get(provider, 10), provider)


class PriceIndex:
    """An immutable set of price rows indexed for fast lookup, with a result cache.

    Lookups run on every recorded call, so rows are grouped by name once and
    resolved results are cached per (provider, model id, day).

    Args:
        rows: Built-in and user rows; among user rows with the same date, the
            later one in the sequence wins.
    """

    def __init__(self, rows: Iterable[PriceRow]) -> None:
        self.rows: tuple[PriceRow, ...] = tuple(rows)
        self._exact: dict[str, list[PriceRow]] = {}
        self._patterns: list[tuple[re.Pattern[str], PriceRow]] = []
        for row in self.rows:
            self._exact.setdefault(row.model_name, []).append(row)
            if row.model_pattern:
                self._patterns.append((re.compile(row.model_pattern, re.IGNORECASE), row))
        self._cache: dict[tuple[str | None, str, date], PriceRow | None] = {}
        self._lock = threading.Lock()

    def lookup(self, provider: str | None, model: str, day: date) -> PriceRow | None:
        """The price row for a call, or None when the model has no price.

        Args:
            provider: Provider the call went through (any common spelling), or None.
            model: Model id as received (normalized here).
            day: UTC day of the call.
        """
        key = (provider, model, day)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._resolve(provider, model, day)
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        return found

    def exact_names(self, provider: str) -> set[str]:
        """Every model name with an exact row for ``provider``."""
        return {row.model_name for row in self.rows if row.provider == provider}

    def exact_row(self, provider: str, name: str, day: date) -> PriceRow | None:
        """The row in force on ``day`` among the exact rows of one name (user rows first)."""
        for source in ("user", "builtin"):
            rows = self._exact_rows(provider, name, source)
            if rows:
                return _in_force(rows, day) or _earliest(rows)
        return None

    def _resolve(self, provider: str | None, model: str, day: date) -> PriceRow | None:
        return self.explain(provider, model, day).row

    def explain(self, provider: str | None, model: str, day: date) -> Resolution:
        """How a call's model id resolves to a price row, step by step (no cache).

        Args:
            provider: Provider the call went through (any common spelling), or None.
            model: Model id as received.
            day: UTC day of the call.
        """
        parsed = normalize_model(model)
        variants = name_variants(parsed)
        chosen, why = provider_id(provider), "given"
        if chosen is None:
            chosen, why = parsed.provider_hint, "named by the model id"
        if chosen is None:
            chosen, why = self.home_provider(variants), "the model's own vendor"
        result = Resolution(model, parsed, variants, chosen, why if chosen else None)
        if chosen is None:
            return result
        first: Resolution | None = None
        for name in variants:
            for source in ("user", "builtin"):
                for kind, rows in (
                    ("exact", self._exact_rows(chosen, name, source)),
                    ("pattern", self._pattern_rows(chosen, name, source)),
                ):
                    if not rows:
                        continue
                    how = (
                        kind
                        if name in (parsed.name, parsed.lookup_name)
                        else _variant_kind(parsed.name, name)
                    )
                    row = _in_force(rows, day)
                    found = replace(result, row=row, matched_name=name, match=how, periods=rows)
                    if row is not None:
                        return found
                    first = first or replace(found, row=_earliest(rows), before_first=True)
        # Only rows dated after the call: the model existed when it was called, so its
        # first known price is the best estimate (first periods' days are often approximate).
        return first or result

    def _exact_rows(self, provider: str, name: str, source: str) -> list[PriceRow]:
        return [
            r for r in self._exact.get(name, ()) if r.provider == provider and r.source == source
        ]

    def _pattern_rows(self, provider: str, name: str, source: str) -> list[PriceRow]:
        # Only the first model whose pattern matches: periods of one model, never a mix.
        matched: str | None = None
        rows: list[PriceRow] = []
        for pattern, row in self._patterns:
            if row.provider != provider or row.source != source:
                continue
            if matched is not None and row.model_name != matched:
                continue
            if pattern.fullmatch(name):
                matched = row.model_name
                rows.append(row)
        return rows

    def home_provider(self, variants: Sequence[str]) -> str | None:
        """The preferred provider among those pricing the first of ``variants`` that has rows."""
        for name in variants:
            # Exact and pattern rows together: a Copilot alias must not beat the vendor's pattern.
            providers = {r.provider for r in self._exact.get(name, ())}
            providers |= {r.provider for p, r in self._patterns if p.fullmatch(name)}
            if providers:
                return min(providers, key=_rank)
        return None


def _in_force(rows: Sequence[PriceRow], day: date) -> PriceRow | None:
    best: PriceRow | None = None
    for row in rows:
        # `>=` so that of two rows with the same date the later one (a newer user row) wins.
        if row.effective_date <= day and (
            best is None or row.effective_date >= best.effective_date
        ):
            best = row
    return best


def _earliest(rows: Sequence[PriceRow]) -> PriceRow:
    return min(rows, key=lambda row: row.effective_date)
