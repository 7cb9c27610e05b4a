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
from tessera.runtime.callback import TokenUsageCallback
from tessera.runtime.instrument import instrument
from tessera.runtime.observer import Observer, get_observer, observe
from tessera.store import MetricsStore
from tessera.usage import Usage

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
