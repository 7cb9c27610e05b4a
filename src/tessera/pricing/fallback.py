"""Optional fallback prices from the ``genai-prices`` package (extra ``[genai-prices]``).

Used only for models missing from Tessera's table, and only when enabled.
The data is the snapshot bundled with the installed package, wrapped in a
private snapshot object: genai-prices' updater is never called and a snapshot
another library installed globally is never used, so no network connection is
opened and prices do not change under a running program.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from tessera.pricing.errors import PricingError
from tessera.pricing.names import normalize_model, provider_id
from tessera.pricing.row import PriceRow

#: Marks the rows this module makes (``PriceRow.note`` starts with it; ``CallCost.source``).
SOURCE = "genai-prices"

# Tessera's canonical provider ids -> genai-prices provider ids.
_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "vertex_ai": "google",
    "bedrock": "aws",
    "azure": "azure",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "xai": "x-ai",
    "groq": "groq",
    "openrouter": "openrouter",
    "github_copilot": "github-copilot",
}
_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")


class PriceFallback(Protocol):
    """Where the calculator looks for a price when its own rows have none."""

    def lookup(self, provider: str | None, model: str, day: date) -> PriceRow | None:
        """A price row for the model on ``day``, or None."""
        ...


class GenaiPricesFallback:
    """Prices from the data bundled with the installed ``genai-prices`` package.

    Only token prices are used (input, output, cache read, cache write 5m and 1h)
    with at most one long-context tier; a model priced otherwise (per request,
    several tiers, no input or output price) stays unpriced rather than be
    priced wrongly.

    Raises:
        PricingError: ``genai-prices`` is not installed.
    """

    def __init__(self) -> None:
        # importlib.metadata too is imported here: ~12 ms that only the fallback needs.
        from importlib.metadata import PackageNotFoundError, version

        try:
            from genai_prices import data
            from genai_prices.data_snapshot import DataSnapshot
        except ImportError as exc:
            raise PricingError(
                "the genai-prices fallback needs the extra: "
                "pip install 'tessera-observability[genai-prices]'"
            ) from exc
        self._snapshot: Any = DataSnapshot(providers=data.providers, from_auto_update=False)
        try:
            self.version = version("genai-prices")
        except PackageNotFoundError:  # pragma: no cover - imported, so installed
            self.version = "unknown"
        self._cache: dict[tuple[str | None, str, date], PriceRow | None] = {}
        self._lock = threading.Lock()

    def lookup(self, provider: str | None, model: str, day: date) -> PriceRow | None:
        """The genai-prices price of ``model`` on ``day`` as a row (``id`` None), or None."""
        key = (provider, model, day)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        row = self._find(provider, model, day)
        with self._lock:
            self._cache[key] = row
        return row

    def _find(self, provider: str | None, model: str, day: date) -> PriceRow | None:
        parsed = normalize_model(model)
        ours = provider_id(provider) or parsed.provider_hint
        theirs = _PROVIDERS.get(ours) if ours else None
        if ours is not None and theirs is None:
            return None
        try:
            found, info = self._snapshot.find_provider_model(parsed.name, None, theirs, None)
        except LookupError:
            return None
        moment = datetime.combine(day, time(12), tzinfo=UTC)
        prices = info.get_prices(moment)
        values = {key: getattr(prices, key, None) for key in _KEYS}
        base: dict[str, Decimal | None] = {}
        tier: dict[str, Decimal | None] = {}
        threshold: int | None = None
        for key, value in values.items():
            if value is None or isinstance(value, Decimal):
                base[key] = value
                continue
            tiers = list(getattr(value, "tiers", []))
            if len(tiers) != 1 or (threshold is not None and tiers[0].start != threshold):
                return None
            threshold = int(tiers[0].start)
            base[key], tier[key] = value.base, tiers[0].price
        prompt, completion = base["input_mtok"], base["output_mtok"]
        if prompt is None or completion is None:
            return None
        if threshold is not None and ("input_mtok" not in tier or "output_mtok" not in tier):
            return None
        return PriceRow(
            provider=ours or _ours(found.id),
            model_name=parsed.name,
            prompt_per_mtok=prompt,
            completion_per_mtok=completion,
            effective_date=day,
            cache_read_per_mtok=base["cache_read_mtok"],
            cache_write_per_mtok=base["cache_write_mtok"],
            cache_write_1h_per_mtok=base["cache_write_1h_mtok"],
            long_context_threshold=threshold,
            long_context_prompt_per_mtok=tier.get("input_mtok"),
            long_context_completion_per_mtok=tier.get("output_mtok"),
            long_context_cache_read_per_mtok=tier.get("cache_read_mtok"),
            long_context_cache_write_per_mtok=tier.get("cache_write_mtok"),
            source="builtin",
            note=f"{SOURCE} {self.version} (bundled data): {found.id}/{info.id}, price on {day}",
        )


def _ours(theirs: str) -> str:
    for ours, other in _PROVIDERS.items():
        if other == theirs:
            return ours
    return theirs


def is_fallback_row(row: PriceRow | None) -> bool:
    """Whether a row came from the genai-prices fallback."""
    return row is not None and row.id is None and (row.note or "").startswith(SOURCE)
