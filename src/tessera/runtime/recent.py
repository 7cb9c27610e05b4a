"""Provider response ids recorded lately, so a call reported by two layers is stored once.

An instrumented client inside a LangChain chat model with a
:class:`~tessera.runtime.callback.TokenUsageCallback` attached (or LiteLLM
over an instrumented client) reports the same provider response twice: first
the client, then the framework. The response id is the provider's own and the
same in both reports, so the second one is recognized here and not stored.
Ids are kept per task (or run) and bounded: the oldest are forgotten first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class RecentResponses:
    """Provider response ids recorded lately, per task or run; the oldest are forgotten."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[tuple[str | None, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, scope: str | None, response_id: str) -> bool:
        """True the first time ``response_id`` is claimed in ``scope``."""
        key = (scope, response_id)
        with self._lock:
            if key in self._ids:
                return False
            self._ids[key] = None
            while len(self._ids) > self._capacity:
                self._ids.popitem(last=False)
            return True

    def seen(self, scope: str | None, response_id: str) -> bool:
        """True when ``response_id`` was claimed in ``scope``."""
        with self._lock:
            return (scope, response_id) in self._ids
