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
from datetime import date

from tessera.pricing.names import ModelName, name_variants, normalize_model, provider_id
from tessera.pricing.row import PriceRow

__all__ = ["ModelName", "PriceIndex", "normalize_model", "provider_id"]

# Without a provider, a model's own vendor is preferred over resellers and Copilot's $0.
_HOME_RANK = {"openai": 0, "anthropic": 1, "gemini": 2}
_COPILOT_RANK = 99
_CACHE_LIMIT = 4096


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
        parsed = normalize_model(model)
        variants = name_variants(parsed)
        chosen = provider_id(provider) or parsed.provider_hint or self.home_provider(variants)
        if chosen is None:
            return None
        not_yet: PriceRow | None = None
        for name in variants:
            for source in ("user", "builtin"):
                for rows in (
                    self._exact_rows(chosen, name, source),
                    self._pattern_rows(chosen, name, source),
                ):
                    if not rows:
                        continue
                    row = _in_force(rows, day)
                    if row is not None:
                        return row
                    not_yet = not_yet or _earliest(rows)
        # Only rows dated after the call: the model existed when it was called, so its
        # first known price is the best estimate (first periods' days are often approximate).
        return not_yet

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
