"""The JSONL span exporter: line shape, round trip, failures and file modes."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

from tessera.tracing import JsonlSpanExporter

# 1_700_000_000 s after the epoch is 2023-11-14T22:13:20Z.
START_NS = 1_700_000_000_123_456_789


def _span(name: str = "invoke_agent python-expert", **kwargs: Any) -> ReadableSpan:
    defaults: dict[str, Any] = {
        "context": SpanContext(trace_id=0xABC, span_id=0x12, is_remote=False),
        "start_time": START_NS,
        "end_time": START_NS + 45_231_000_000,
    }
    defaults.update(kwargs)
    return ReadableSpan(name=name, **defaults)


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_line_has_the_design_shape_exactly() -> None:
    stream = io.StringIO()
    span = _span(
        parent=SpanContext(trace_id=0xABC, span_id=0x1, is_remote=False),
        kind=SpanKind.CLIENT,
        attributes={"agent_name": "python-expert", "task_id": "task_001", "n": 3},
        events=[Event("retry", {"attempt": 2}, timestamp=START_NS + 1_000_000)],
        status=Status(StatusCode.ERROR, "boom"),
        resource=Resource({"service.name": "tessera"}),
    )
    assert JsonlSpanExporter(stream).export([span]) is SpanExportResult.SUCCESS
    # 0xABC padded to 32 hex digits, 0x12 and 0x1 to 16; 45_231_000_000 ns = 45231.0 ms;
    # the event is 1 ms after the start: .123456 + .001000 = .124456.
    assert _lines(stream.getvalue()) == [
        {
            "trace_id": "0" * 29 + "abc",
            "span_id": "0" * 14 + "12",
            "parent_span_id": "0" * 15 + "1",
            "name": "invoke_agent python-expert",
            "kind": "CLIENT",
            "start_time": "2023-11-14T22:13:20.123456Z",
            "end_time": "2023-11-14T22:14:05.354456Z",
            "duration_ms": 45231.0,
            "status": {"code": "ERROR", "description": "boom"},
            "attributes": {"agent_name": "python-expert", "task_id": "task_001", "n": 3},
            "events": [
                {
                    "name": "retry",
                    "time": "2023-11-14T22:13:20.124456Z",
                    "attributes": {"attempt": 2},
                }
            ],
            "resource": {"service.name": "tessera"},
        }
    ]
    # Compact: one line, no space after separators, newline-terminated.
    assert stream.getvalue().count("\n") == 1
    assert '", "' not in stream.getvalue()


def _record_workflow(provider: TracerProvider) -> None:
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_workflow") as root:
        root.set_attribute("tessera.run.id", "run-1")
        with tracer.start_as_current_span("invoke_agent planner") as task:
            task.set_attributes({"agent_name": "planner", "task_id": "t1", "phase": "plan"})
            task.add_event("cost_limit_warning", {"spent_usd": 1.5})
            with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as call:
                call.set_attribute("gen_ai.usage.input_tokens", 1000)
                call.set_attribute("tags", ["a", "b"])
        with tracer.start_as_current_span("invoke_agent reviewer") as task:
            task.set_status(Status(StatusCode.ERROR, "bad review"))


@pytest.mark.parametrize("target", ["stream", "file"])
def test_round_trip_matches_in_memory_spans(target: str, tmp_path: Path) -> None:
    stream = io.StringIO()
    path = tmp_path / "traces.jsonl"
    exporter = JsonlSpanExporter(stream if target == "stream" else path)
    memory = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    _record_workflow(provider)
    provider.shutdown()

    text = stream.getvalue() if target == "stream" else path.read_text("utf-8")
    lines = _lines(text)
    spans = memory.get_finished_spans()
    assert len(lines) == len(spans) == 4
    for line, span in zip(lines, spans, strict=True):
        assert span.context is not None
        assert line["trace_id"] == format(span.context.trace_id, "032x")
        assert line["span_id"] == format(span.context.span_id, "016x")
        parent = span.parent
        assert line["parent_span_id"] == (
            None if parent is None else format(parent.span_id, "016x")
        )
        assert line["name"] == span.name
        assert line["kind"] == span.kind.name
        assert span.start_time is not None and span.end_time is not None
        assert line["duration_ms"] == (span.end_time - span.start_time) / 1e6
        assert line["attributes"] == {
            k: list(v) if isinstance(v, tuple) else v for k, v in (span.attributes or {}).items()
        }
        assert line["resource"]["service.name"] == span.resource.attributes["service.name"]
    by_name = {line["name"]: line for line in lines}
    # Spans end innermost first; the tree is workflow > planner > chat, workflow > reviewer.
    assert [line["name"] for line in lines] == [
        "chat gpt-4o",
        "invoke_agent planner",
        "invoke_agent reviewer",
        "invoke_workflow",
    ]
    root_id = by_name["invoke_workflow"]["span_id"]
    assert by_name["invoke_workflow"]["parent_span_id"] is None
    assert by_name["invoke_agent planner"]["parent_span_id"] == root_id
    assert by_name["invoke_agent reviewer"]["parent_span_id"] == root_id
    assert by_name["chat gpt-4o"]["parent_span_id"] == by_name["invoke_agent planner"]["span_id"]
    assert len({line["trace_id"] for line in lines}) == 1
    assert by_name["invoke_agent planner"]["events"][0]["name"] == "cost_limit_warning"
    assert by_name["invoke_agent planner"]["events"][0]["attributes"] == {"spent_usd": 1.5}
    assert by_name["invoke_agent reviewer"]["status"] == {
        "code": "ERROR",
        "description": "bad review",
    }
    assert by_name["chat gpt-4o"]["status"] == {"code": "UNSET"}


def test_dict_attribute_from_a_real_span_becomes_a_json_string() -> None:
    stream = io.StringIO()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(JsonlSpanExporter(stream)))
    with provider.get_tracer("test").start_as_current_span("s") as span:
        span.set_attribute("gen_ai.request.options", {"temperature": 0.5, "stop": ["x"]})
    provider.shutdown()
    (line,) = _lines(stream.getvalue())
    value = line["attributes"]["gen_ai.request.options"]
    assert value == '{"temperature":0.5,"stop":["x"]}'
    assert json.loads(value) == {"temperature": 0.5, "stop": ["x"]}


def test_odd_values_are_made_json_safe() -> None:
    stream = io.StringIO()
    span = _span(
        attributes={
            "mixed": [1, "a"],
            "floats": [1.5, 2.5],
            "nan": float("nan"),
            "inf": float("-inf"),
            "nested": {"v": float("inf")},
            "raw": b"\xff",
        }
    )
    JsonlSpanExporter(stream).export([span])
    # json.loads would accept bare NaN; strict parsing proves the line has none.
    line = json.loads(stream.getvalue(), parse_constant=lambda name: pytest.fail(name))
    assert line["attributes"] == {
        "mixed": '[1,"a"]',
        "floats": [1.5, 2.5],
        "nan": "NaN",
        "inf": "-Infinity",
        "nested": '{"v":"Infinity"}',
        "raw": '"\\\\xff"',
    }


def test_oversize_attribute_is_cut_and_flagged() -> None:
    stream = io.StringIO()
    span = _span(attributes={"big": "x" * 25, "small": "y" * 10, "list": ["z" * 30]})
    JsonlSpanExporter(stream, max_attribute_chars=20).export([span])
    (line,) = _lines(stream.getvalue())
    assert line["attributes"] == {
        "big": "x" * 20,
        "small": "y" * 10,
        "list": ["z" * 20],
        "tessera.truncated": ["big", "list"],
    }


class _BrokenStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_stream_raising_oserror_fails_logs_once_and_does_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exporter = JsonlSpanExporter(_BrokenStream())
    with caplog.at_level(logging.ERROR, logger="tessera"):
        result = exporter.export([_span("a"), _span("b")])
    assert result is SpanExportResult.FAILURE
    assert exporter.failed_spans == 2
    errors = [r for r in caplog.records if r.name == "tessera"]
    assert len(errors) == 1
    assert errors[0].exc_info is not None and isinstance(errors[0].exc_info[1], OSError)


def test_unwritable_path_fails_without_raising(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    exporter = JsonlSpanExporter(blocker / "traces.jsonl")
    assert exporter.export([_span()]) is SpanExportResult.FAILURE
    assert exporter.failed_spans == 1


def test_export_after_shutdown_fails_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path)
    assert exporter.export([_span("before")]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    exporter.shutdown()  # a second shutdown is harmless
    with caplog.at_level(logging.WARNING, logger="tessera"):
        assert exporter.export([_span("after")]) is SpanExportResult.FAILURE
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert [line["name"] for line in _lines(path.read_text())] == ["before"]
    assert exporter.force_flush() is True


def test_shutdown_leaves_a_callers_stream_open() -> None:
    stream = io.StringIO()
    exporter = JsonlSpanExporter(stream)
    exporter.shutdown()
    assert not stream.closed


def test_file_is_0600_in_a_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "traces.jsonl"
    exporter = JsonlSpanExporter(path)
    assert exporter.export([_span()]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_appends_to_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"name": "old"}\n')
    JsonlSpanExporter(path).export([_span("new")])
    assert [line["name"] for line in _lines(path.read_text())] == ["old", "new"]


def test_a_removed_file_is_created_again(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path)
    exporter.export([_span("first")])
    os.rename(path, tmp_path / "t.jsonl.1")  # what logrotate does
    exporter.export([_span("second")])
    assert [line["name"] for line in _lines(path.read_text())] == ["second"]
    assert [line["name"] for line in _lines((tmp_path / "t.jsonl.1").read_text())] == ["first"]


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


def test_unencodable_span_is_dropped_alone(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    exporter = JsonlSpanExporter(stream)
    bad = _span("bad", attributes={"obj": _Unprintable()})
    with caplog.at_level(logging.ERROR, logger="tessera"):
        result = exporter.export([_span("good 1"), bad, _span("good 2")])
    assert result is SpanExportResult.FAILURE
    assert exporter.failed_spans == 1
    assert [line["name"] for line in _lines(stream.getvalue())] == ["good 1", "good 2"]
    assert len(caplog.records) == 1


def test_text_is_utf8_and_a_lone_surrogate_stays_valid(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path)
    exporter.export([_span("café"), _span("odd", attributes={"s": "a\ud800b"})])
    raw = path.read_bytes()
    first, second = raw.splitlines()
    # "é" is written as its two UTF-8 bytes, not as a \u escape.
    assert "café".encode() in first
    assert json.loads(second)["attributes"]["s"] == "a\ud800b"


def test_threads_sharing_an_exporter_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path)

    def work(n: int) -> None:
        for i in range(50):
            exporter.export([_span(f"{n}-{i}", attributes={"pad": str(n) * 5000})])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = _lines(path.read_text())
    # 4 threads x 50 spans = 200 lines, each whole.
    assert len(records) == 200
    assert {r["name"] for r in records} == {f"{n}-{i}" for n in range(4) for i in range(50)}
    assert all(r["attributes"]["pad"] == r["name"].split("-")[0] * 5000 for r in records)
