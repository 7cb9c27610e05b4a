"""OpenTelemetry tracing for Tessera: its own tracer provider and a JSONL exporter.

One finished span becomes one JSON line (DESIGN §8), so ``tail -f traces.jsonl |
jq`` follows a run live and several processes can share one file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tessera.tracing.encoding import span_to_dict
from tessera.tracing.provider import make_tracer_provider, register_shutdown

if TYPE_CHECKING:
    from tessera.tracing.jsonl import JsonlSpanExporter

__all__ = ("JsonlSpanExporter", "make_tracer_provider", "register_shutdown", "span_to_dict")


def __getattr__(name: str) -> Any:
    # The exporter subclasses the OpenTelemetry SDK's, which is imported only when
    # it is used (see ``make_tracer_provider``).
    if name == "JsonlSpanExporter":
        from tessera.tracing.jsonl import JsonlSpanExporter

        return JsonlSpanExporter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
