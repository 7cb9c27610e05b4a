"""The normalized token usage of one model call.

Every provider reports tokens in its own shape; :class:`Usage` is the one shape
the rest of Tessera reads. The rules (DESIGN §4):

* ``input_tokens`` counts every prompt-side token: uncached + cache read +
  cache write.
* ``output_tokens`` counts every generated token, reasoning included.
* ``cache_read_tokens``, ``cache_write_tokens`` and ``reasoning_tokens`` are
  parts of those wholes, never added on top of them.
* A count the provider did not report is ``None``, never 0 and never an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Key in :attr:`Usage.extras` for the part of ``cache_write_tokens`` written
#: with Anthropic's one-hour TTL (priced higher than the default 5-minute TTL).
CACHE_WRITE_1H = "cache_write_1h_tokens"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one model call, normalized across providers.

    Attributes:
        provider: Canonical provider id (``openai``, ``anthropic``, ``vertex_ai``, ...).
        model: The model that served the call, as the response named it.
        input_tokens: Every prompt-side token, cached and cache-written included.
        output_tokens: Every generated token, reasoning included.
        total_tokens: ``input_tokens + output_tokens``.
        cache_read_tokens: Part of ``input_tokens`` served from the prompt cache.
        cache_write_tokens: Part of ``input_tokens`` written to the prompt cache.
        reasoning_tokens: Part of ``output_tokens`` spent on reasoning or thinking.
        reported: False when the response carried no usage at all.
        raw: The provider's usage exactly as received, as a plain dict.
        extras: Further breakdowns (cache-write TTL split, audio tokens, ...).
        estimated_fields: Names of counts a library estimated instead of the
            provider reporting them.
        problems: What could not be read; a non-empty tuple flags the record.
        response_id: The provider's id of the response, when it has one.
    """

    provider: str | None
    model: str | None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    reported: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)
    extras: Mapping[str, Any] = field(default_factory=dict)
    estimated_fields: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()
    response_id: str | None = None

    @property
    def prompt_tokens(self) -> int | None:
        """Alias of :attr:`input_tokens` (the OpenAI and seed name)."""
        return self.input_tokens

    @property
    def completion_tokens(self) -> int | None:
        """Alias of :attr:`output_tokens` (the OpenAI and seed name)."""
        return self.output_tokens

    @property
    def cache_write_1h_tokens(self) -> int | None:
        """Part of :attr:`cache_write_tokens` written with a one-hour TTL, if reported."""
        value = self.extras.get(CACHE_WRITE_1H)
        return value if isinstance(value, int) else None

    @property
    def uncached_input_tokens(self) -> int | None:
        """Input tokens neither read from nor written to the cache."""
        if self.input_tokens is None:
            return None
        return self.input_tokens - (self.cache_read_tokens or 0) - (self.cache_write_tokens or 0)

    @classmethod
    def not_reported(
        cls,
        provider: str | None,
        model: str | None,
        problem: str,
        raw: Mapping[str, Any] | None = None,
    ) -> Usage:
        """A usage for a response that carried no readable counts."""
        return cls(
            provider=provider, model=model, reported=False, raw=dict(raw or {}), problems=(problem,)
        )
