"""`tessera traces export --otlp` agrees with the official OTLP JSON file encoder."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from tessera.tracing import JsonlSpanExporter
from tessera.tracing.otlp_json import any_value, export_request, unix_nano
from tessera.tracing.reader import read_records

# Whole microseconds, as the runtime's span times are (it starts spans from datetimes):
# the JSONL line keeps microseconds, so only those round-trip exactly.
T0 = 1_796_316_147_220_746_000


def _record_spans(provider: TracerProvider) -> None:
    tracer = provider.get_tracer("tessera")
    root = tracer.start_span(
        "invoke_workflow demo", start_time=T0, attributes={"tessera.run.id": "run-1"}
    )
    ctx = trace.set_span_in_context(root)
    task = tracer.start_span(
        "invoke_agent planner",
        context=ctx,
        start_time=T0 + 1_000,
        attributes={"agent_name": "planner", "tessera.quality.score": 0.75, "ok": True},
    )
    call = tracer.start_span(
        "chat gpt-4o",
        context=trace.set_span_in_context(task),
        kind=SpanKind.CLIENT,
        start_time=T0 + 2_000,
        attributes={
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.output_tokens": 2**40,  # beyond 32 bits: int64 as a string
            "tessera.cost.usd": 0.0125,
            "tags": ["a", "b"],
            "counts": [1, 2],
            "flags": [True, False],
            "ratios": [0.5],
        },
    )
    call.add_event("retry", {"attempt": 2}, timestamp=T0 + 3_000)
    call.set_status(Status(StatusCode.ERROR, "rate limited"))
    call.end(end_time=T0 + 9_000)
    task.set_status(Status(StatusCode.OK))
    task.end(end_time=T0 + 10_000)
    root.end(end_time=T0 + 20_000)


def _spans_by_id(requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        span["spanId"]: span
        for request in requests
        for resource_spans in request["resourceSpans"]
        for scope_spans in resource_spans["scopeSpans"]
        for span in scope_spans["spans"]
    }


def test_export_matches_the_official_encoder_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    official = io.StringIO()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "tessera-test"}), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(JsonlSpanExporter(path)))
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(stream=official)))
    _record_spans(provider)
    provider.shutdown()

    theirs_requests = [json.loads(line) for line in official.getvalue().splitlines()]
    ours = export_request(read_records(path))
    theirs = _spans_by_id(theirs_requests)
    mine = _spans_by_id([ours])
    assert sorted(mine) == sorted(theirs) and len(mine) == 3
    for span_id, expected in theirs.items():
        # Span flags tell whether the parent was remote: the JSONL line does not
        # record it, so the export leaves it unset (0, "unknown"), which is valid.
        expected = {k: v for k, v in expected.items() if k != "flags"}
        assert mine[span_id] == expected, span_id

    # Resource and scope: one resource, its attributes in the same order and types.
    (resource_spans,) = ours["resourceSpans"]
    (their_resource,) = {json.dumps(r["resourceSpans"][0]["resource"]) for r in theirs_requests}
    assert resource_spans["resource"] == json.loads(their_resource)
    assert resource_spans["scopeSpans"][0]["scope"] == {"name": "tessera"}
    assert theirs_requests[0]["resourceSpans"][0]["scopeSpans"][0]["scope"] == {"name": "tessera"}


def test_values_worked_out_by_hand() -> None:
    # 2026-12-03T15:34:06.123456Z: 1_796_312_046 s after the epoch (date -d ... +%s),
    # plus 123_456 us = 1_796_312_046_123_456_000 ns.
    assert unix_nano("2026-12-03T15:34:06.123456Z") == "1796312046123456000"
    assert unix_nano(None) is None
    assert any_value(7) == {"intValue": "7"}
    assert any_value(True) == {"boolValue": True}
    assert any_value(["x", None]) == {"arrayValue": {"values": [{"stringValue": "x"}, {}]}}
    record = {
        "trace_id": "ab" * 16,
        "span_id": "cd" * 8,
        "parent_span_id": None,
        "name": "s",
        "kind": "PRODUCER",
        "start_time": "1970-01-01T00:00:01.000000Z",
        "end_time": "1970-01-01T00:00:01.000002Z",
        "status": {"code": "UNSET"},
        "attributes": {},
        "events": [],
        "resource": {},
    }
    assert export_request([record]) == {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "scope": {"name": "tessera"},
                        "spans": [
                            {
                                "traceId": "ab" * 16,
                                "spanId": "cd" * 8,
                                "name": "s",
                                "kind": 4,  # PRODUCER
                                "startTimeUnixNano": "1000000000",
                                "endTimeUnixNano": "1000002000",
                                "status": {},
                            }
                        ],
                    }
                ]
            }
        ]
    }
