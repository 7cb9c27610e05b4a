"""Tessera's public observability API.

Capture exact token usage, price it, store it in a local SQLite database and
trace it to a local JSONL file::

    from tessera.observability import instrument, observe
    from openai import OpenAI

    observer = observe()
    client = instrument(OpenAI())
    with observer.task(agent_name="planner", phase="planning"):
        client.chat.completions.create(model="gpt-4o", messages=[...])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tessera.capture import extract_usage
from tessera.errors import (
    CostLimitExceeded,
    CostLimitWarning,
    TesseraError,
    TesseraWarning,
    UnknownModelError,
    UnpricedModelWarning,
)
from tessera.pricing import CostCalculator
from tessera.runtime.default import get_observer, observe
from tessera.runtime.instrument import instrument
from tessera.runtime.observer import Observer
from tessera.store import MetricsStore
from tessera.usage import Usage

if TYPE_CHECKING:
    from tessera.runtime.callback import TokenUsageCallback

__all__ = (
    "CostCalculator",
    "CostLimitExceeded",
    "CostLimitWarning",
    "MetricsStore",
    "Observer",
    "TesseraError",
    "TesseraWarning",
    "TokenUsageCallback",
    "UnknownModelError",
    "UnpricedModelWarning",
    "Usage",
    "extract_usage",
    "get_observer",
    "instrument",
    "observe",
)


def __getattr__(name: str) -> Any:
    # TokenUsageCallback derives from LangChain's handler class when langchain-core is
    # installed, and importing that costs ~50 ms: only code that uses the callback pays it.
    if name == "TokenUsageCallback":
        from tessera.runtime.callback import TokenUsageCallback

        return TokenUsageCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
