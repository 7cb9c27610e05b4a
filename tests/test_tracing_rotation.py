"""Size-based rotation of the trace file, alone and under several processes."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanContext

from tessera.tracing import JsonlSpanExporter
from tessera.tracing.rotation import backup_path, trace_files


def _span(number: int, pad: int = 0) -> ReadableSpan:
    return ReadableSpan(
        name=f"s{number}",
        context=SpanContext(trace_id=1, span_id=number + 1, is_remote=False),
        attributes={"pad": "x" * pad} if pad else {},
        start_time=0,
        end_time=1,
    )


def _names(path: Path) -> list[str]:
    return [json.loads(line)["name"] for line in path.read_text("utf-8").splitlines()]


def test_rotates_before_a_write_would_pass_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    one_line = len(JsonlSpanExporter._encode(JsonlSpanExporter(path), [_span(0)])[0])
    # Room for exactly two lines per file: the third write rotates.
    exporter = JsonlSpanExporter(path, max_bytes=2 * one_line, backup_count=2)
    for number in range(7):
        assert exporter.export([_span(number)]) is SpanExportResult.SUCCESS
    # Lines s0..s6, two per file, newest file live: [s6], .1 [s4 s5], .2 [s2 s3];
    # s0 and s1 were in the third backup, beyond backup_count=2, so removed.
    assert _names(path) == ["s6"]
    assert _names(backup_path(path, 1)) == ["s4", "s5"]
    assert _names(backup_path(path, 2)) == ["s2", "s3"]
    assert not backup_path(path, 3).exists()
    assert trace_files(path) == [backup_path(path, 2), backup_path(path, 1), path]


def test_a_line_larger_than_the_limit_goes_whole_into_a_fresh_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path, max_bytes=100, backup_count=3)
    exporter.export([_span(0)])
    exporter.export([_span(1, pad=500)])
    exporter.export([_span(2, pad=500)])
    # Each big line opens a new file; none is cut or rotated away while empty.
    assert _names(backup_path(path, 2)) == ["s0"]
    assert _names(backup_path(path, 1)) == ["s1"]
    assert _names(path) == ["s2"]


def test_another_writer_follows_the_rotation(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rotating = JsonlSpanExporter(path, max_bytes=1, backup_count=5)
    plain = JsonlSpanExporter(path)
    plain.export([_span(0)])
    rotating.export([_span(1)])  # the file holds s0, so this rotates first
    plain.export([_span(2)])  # plain's descriptor names .1 now: it must reopen
    assert _names(backup_path(path, 1)) == ["s0"]
    assert _names(path) == ["s1", "s2"]


@pytest.mark.parametrize(("max_bytes", "backups"), [(0, 1), (10, 0)])
def test_bad_limits_are_refused(tmp_path: Path, max_bytes: int, backups: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        JsonlSpanExporter(tmp_path / "t.jsonl", max_bytes=max_bytes, backup_count=backups)


WORKERS = 6
SPANS_PER_WORKER = 100
BIG = 20_000
MAX_BYTES = 1_000_000


def _write_spans(path: str, worker: int, barrier: Any, ids_file: str) -> None:
    """Runs in a child process: export large spans one by one while others rotate."""
    exporter = JsonlSpanExporter(path, max_bytes=MAX_BYTES, backup_count=1000)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    ids = []
    barrier.wait()
    for i in range(SPANS_PER_WORKER):
        with tracer.start_as_current_span(f"w{worker}-{i}") as span:
            # A different letter per worker makes any interleaving visible.
            span.set_attribute("payload", chr(ord("a") + worker) * BIG)
            span.set_attribute("worker", worker)
            ids.append(format(span.get_span_context().span_id, "016x"))
    provider.shutdown()
    Path(ids_file).write_text("\n".join(ids))
    if exporter.failed_spans:
        raise SystemExit(1)


def test_six_processes_rotating_lose_and_split_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "traces.jsonl"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    id_files = [tmp_path / f"ids-{w}.txt" for w in range(WORKERS)]
    workers = [
        ctx.Process(target=_write_spans, args=(str(path), w, barrier, str(id_files[w])))
        for w in range(WORKERS)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0] * WORKERS
    expected = [i for f in id_files for i in f.read_text().split()]
    assert len(set(expected)) == WORKERS * SPANS_PER_WORKER  # 600 distinct ids

    files = trace_files(path)
    # About 600 x 20 kB = 12 MB in files of at most 1 MB: a dozen or more rotations.
    assert len(files) >= 12
    seen: list[str] = []
    for file in files:
        assert file.stat().st_size <= MAX_BYTES  # each rotation decided under the lock
        for line in file.read_text("utf-8").splitlines():
            record = json.loads(line)  # every line parses
            letter = chr(ord("a") + record["attributes"]["worker"])
            assert record["attributes"]["payload"] == letter * BIG
            seen.append(record["span_id"])
    # Every span exactly once across the file and its backups.
    assert sorted(seen) == sorted(expected)
