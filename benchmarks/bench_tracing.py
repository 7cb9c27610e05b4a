"""Tracing cost: the JSONL exporter alone, and a span through Tessera's provider vs bare OTel.

Run: ``.venv/bin/python benchmarks/bench_tracing.py [--spans N] [--runs R]``

Three figures, each the median of R runs in this one process:

1. the JSONL exporter alone, in spans per second (pre-built chat spans written
   one export call each, as the SimpleSpanProcessor does);
2. one chat span (start, ten GenAI attributes, end) through a bare OpenTelemetry
   SDK provider with a no-op exporter, in microseconds;
3. the same span through ``make_tracer_provider`` writing the JSONL file.

This is the span/exporter part of the recording path only: usage extraction,
pricing and the store write are not in it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tessera.tracing import JsonlSpanExporter, make_tracer_provider

ATTRIBUTES = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.id": "chatcmpl-bench",
    "gen_ai.usage.input_tokens": 1850,
    "gen_ai.usage.output_tokens": 420,
    "gen_ai.agent.name": "python-expert",
    "tessera.task.id": "task_001",
    "tessera.cost.usd": 0.008825,
}


class _NoOpExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _span_loop(provider: TracerProvider, count: int) -> float:
    """Seconds per span for ``count`` chat spans."""
    tracer = provider.get_tracer("bench")
    started = time.perf_counter()
    for _ in range(count):
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as span:
            span.set_attributes(ATTRIBUTES)
    return (time.perf_counter() - started) / count


def _bare(count: int, _: Path) -> float:
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(_NoOpExporter()))
    return _span_loop(provider, count)


def _ours(count: int, directory: Path) -> float:
    provider = make_tracer_provider(directory / "ours.jsonl")
    try:
        return _span_loop(provider, count)
    finally:
        provider.shutdown()


def _exporter_alone(count: int, directory: Path) -> float:
    memory = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    _span_loop(provider, count)
    spans = memory.get_finished_spans()
    exporter = JsonlSpanExporter(directory / "alone.jsonl")
    started = time.perf_counter()
    for span in spans:
        exporter.export([span])
    elapsed = time.perf_counter() - started
    exporter.shutdown()
    return elapsed / count


def _median(bench: Callable[[int, Path], float], count: int, runs: int) -> float:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as directory:
            results.append(bench(count, Path(directory)))
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
    print(f"{args.spans} spans per run, median of {args.runs} runs")
    _median(_bare, 500, 1)  # warm-up: imports, first file creation
    alone = _median(_exporter_alone, args.spans, args.runs)
    bare = _median(_bare, args.spans, args.runs)
    ours = _median(_ours, args.spans, args.runs)
    print(f"JSONL exporter alone:            {1 / alone:>10,.0f} spans/s ({alone * 1e6:.1f} us)")
    print(f"bare OTel span, no-op exporter:  {bare * 1e6:>10.1f} us/span")
    print(f"Tessera provider + JSONL file:   {ours * 1e6:>10.1f} us/span")
    print(f"ratio Tessera / bare:            {ours / bare:>10.2f}x")


if __name__ == "__main__":
    main()
