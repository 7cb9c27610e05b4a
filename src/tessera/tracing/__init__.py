"""OpenTelemetry tracing for Tessera: its own tracer provider and a JSONL exporter.

One finished span becomes one JSON line (DESIGN §8), so ``tail -f traces.jsonl |
jq`` follows a run live and several processes can share one file.
"""

from __future__ import annotations

from tessera.tracing.encoding import span_to_dict
from tessera.tracing.jsonl import JsonlSpanExporter
from tessera.tracing.provider import make_tracer_provider, register_shutdown

__all__ = ("JsonlSpanExporter", "make_tracer_provider", "register_shutdown", "span_to_dict")
