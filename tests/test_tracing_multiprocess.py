"""Several processes appending to one trace file."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanContext

from tessera.tracing import JsonlSpanExporter

WORKERS = 6
SPANS_PER_WORKER = 200
BIG = 20_000


def _write_spans(path: str, worker: int) -> list[str]:
    """Runs in a child process: export spans one by one, as a live program would."""
    exporter = JsonlSpanExporter(path)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    ids = []
    for i in range(SPANS_PER_WORKER):
        with tracer.start_as_current_span(f"w{worker}-{i}") as span:
            # A different letter per worker makes any interleaving visible.
            span.set_attribute("payload", chr(ord("a") + worker) * BIG)
            span.set_attribute("worker", worker)
            ids.append(format(span.get_span_context().span_id, "016x"))
    provider.shutdown()
    assert exporter.failed_spans == 0
    return ids


def test_six_processes_share_one_file_without_interleaving(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "traces.jsonl"
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        results = pool.starmap(_write_spans, [(str(path), w) for w in range(WORKERS)])
    expected_ids = {span_id for ids in results for span_id in ids}
    assert len(expected_ids) == WORKERS * SPANS_PER_WORKER  # 6 × 200 = 1,200 distinct ids

    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == WORKERS * SPANS_PER_WORKER
    records = [json.loads(line) for line in lines]  # every line parses
    assert {r["span_id"] for r in records} == expected_ids
    for r in records:
        letter = chr(ord("a") + r["attributes"]["worker"])
        assert r["attributes"]["payload"] == letter * BIG
        assert r["name"].startswith(f"w{r['attributes']['worker']}-")


def _span(name: str) -> ReadableSpan:
    return ReadableSpan(
        name=name,
        context=SpanContext(trace_id=1, span_id=2, is_remote=False),
        start_time=0,
        end_time=1,
    )


def _export_in_child(exporter: JsonlSpanExporter) -> None:
    if exporter.export([_span("child")]) is not SpanExportResult.SUCCESS:
        raise SystemExit(1)


def test_forked_child_takes_its_own_lock(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path)
    exporter.export([_span("parent")])
    # Hold the lock on the exporter's own descriptor (the one the child inherits).
    # flock belongs to the open file description, which a fork shares: a child
    # still writing through that descriptor would get the lock at once and could
    # interleave with the parent. A child that reopened the file must wait.
    parent_fd = exporter._fd
    assert parent_fd is not None
    fcntl.flock(parent_fd, fcntl.LOCK_EX)
    try:
        child = multiprocessing.get_context("fork").Process(
            target=_export_in_child, args=(exporter,)
        )
        child.start()
        child.join(timeout=1.0)
        # The child is still waiting for the lock the parent holds.
        assert child.is_alive()
    finally:
        fcntl.flock(parent_fd, fcntl.LOCK_UN)
    child.join(timeout=30)
    assert child.exitcode == 0
    names = [json.loads(line)["name"] for line in path.read_text().splitlines()]
    assert names == ["parent", "child"]
    exporter.export([_span("parent again")])
    names = [json.loads(line)["name"] for line in path.read_text().splitlines()]
    assert names == ["parent", "child", "parent again"]
