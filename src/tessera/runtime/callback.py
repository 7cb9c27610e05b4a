"""``TokenUsageCallback``: running token and cost totals over recorded calls."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal

from tessera.records import CallRecord
from tessera.runtime.observer import Observer, get_observer


class TokenUsageCallback:
    """Accumulates the usage and cost of the calls it records.

    Each :meth:`record` stores the call like an instrumented client would (in
    the current task, when one is open) and adds its counts to the totals
    below. Counts a provider did not report add nothing.

    Attributes:
        prompt_tokens: Input tokens, cached and cache-written included.
        completion_tokens: Output tokens, reasoning included.
        total_tokens: ``prompt_tokens + completion_tokens``.
        cache_read_tokens: Part of ``prompt_tokens`` read from the cache.
        cache_write_tokens: Part of ``prompt_tokens`` written to the cache.
        reasoning_tokens: Part of ``completion_tokens`` spent reasoning.
        cost_usd: Exact cost of the priced calls.
        calls: Calls recorded.
        unpriced_calls: Calls whose cost is unknown (no price, or no usage).
    """

    def __init__(self, observer: Observer | None = None) -> None:
        self._observer = observer
        self._lock = threading.Lock()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.total_tokens = 0
        self.cache_read_tokens = 0
        self.cache_write_tokens = 0
        self.reasoning_tokens = 0
        self.cost_usd = Decimal(0)
        self.calls = 0
        self.unpriced_calls = 0

    def record(
        self,
        response: object,
        provider: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> CallRecord | None:
        """Record one response (an SDK object, its JSON dict, or its stream chunks)."""
        record = (self._observer or get_observer()).record(response, provider, headers=headers)
        if record is not None:
            self._add(record)
        return record

    def _add(self, record: CallRecord) -> None:
        usage = record.usage
        with self._lock:
            self.calls += 1
            self.prompt_tokens += usage.input_tokens or 0
            self.completion_tokens += usage.output_tokens or 0
            self.total_tokens += usage.total_tokens or 0
            self.cache_read_tokens += usage.cache_read_tokens or 0
            self.cache_write_tokens += usage.cache_write_tokens or 0
            self.reasoning_tokens += usage.reasoning_tokens or 0
            if record.cost_usd is None:
                self.unpriced_calls += 1
            else:
                self.cost_usd += record.cost_usd
