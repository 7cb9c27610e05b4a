"""JSONL span records to OTLP JSON (the ``ExportTraceServiceRequest`` JSON mapping).

The output is what the official ``opentelemetry-exporter-otlp-json-file``
encoder writes for the same spans: ``resourceSpans`` / ``scopeSpans`` /
``spans``, hex ids, nanosecond times as decimal strings, attributes as typed
``AnyValue`` objects, span kind and status code as enum numbers, and fields
at their default value left out (proto3 JSON).

What the JSONL line does not keep cannot come back: times are whole
microseconds, dict and mixed-list attributes stay the JSON strings the line
holds, the instrumentation scope is ``tessera``, and span flags are left
unset (unknown) because the line does not say whether a parent was remote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

#: Instrumentation scope of every exported span: Tessera's tracer.
SCOPE_NAME = "tessera"

# opentelemetry.proto.trace.v1.Span.SpanKind and Status.StatusCode numbers.
_KIND = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
_STATUS = {"UNSET": 0, "OK": 1, "ERROR": 2}
_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def unix_nano(iso: str | None) -> str | None:
    """Nanoseconds since the epoch, as a decimal string, of a line's ISO-8601 UTC time."""
    if not iso:
        return None
    delta = datetime.fromisoformat(iso.replace("Z", "+00:00")) - _EPOCH
    # timedelta arithmetic is exact in whole microseconds; no float in between.
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return str(micros * 1000)


def any_value(value: Any) -> dict[str, Any]:
    """One attribute value as an OTLP ``AnyValue`` JSON object."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        # int64 travels as a string in the proto3 JSON mapping.
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(item) for item in value]}}
    if value is None:
        return {}
    return {"stringValue": json.dumps(value, separators=(",", ":"))}


def key_values(attributes: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Attributes as a list of OTLP ``KeyValue`` JSON objects, in their order."""
    return [{"key": key, "value": any_value(value)} for key, value in (attributes or {}).items()]


def _status(status: Mapping[str, Any] | None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if status and status.get("description"):
        result["message"] = status["description"]
    code = _STATUS.get(str((status or {}).get("code", "UNSET")), 0)
    if code:
        result["code"] = code
    return result


def _span(record: Mapping[str, Any]) -> dict[str, Any]:
    span: dict[str, Any] = {"traceId": record["trace_id"], "spanId": record["span_id"]}
    if record.get("parent_span_id"):
        span["parentSpanId"] = record["parent_span_id"]
    span["name"] = record["name"]
    span["kind"] = _KIND.get(str(record.get("kind", "INTERNAL")), 1)
    for key, field in (("startTimeUnixNano", "start_time"), ("endTimeUnixNano", "end_time")):
        nanos = unix_nano(record.get(field))
        if nanos is not None:
            span[key] = nanos
    if record.get("attributes"):
        span["attributes"] = key_values(record["attributes"])
    events = []
    for event in record.get("events") or []:
        encoded: dict[str, Any] = {}
        nanos = unix_nano(event.get("time"))
        if nanos is not None:
            encoded["timeUnixNano"] = nanos
        encoded["name"] = event.get("name", "")
        if event.get("attributes"):
            encoded["attributes"] = key_values(event["attributes"])
        events.append(encoded)
    if events:
        span["events"] = events
    span["status"] = _status(record.get("status"))
    return span


def export_request(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest`` JSON object for JSONL span records.

    Args:
        records: Parsed JSONL lines (DESIGN §8 shape).

    Returns:
        ``{"resourceSpans": [...]}``, one entry per distinct resource, in the
        order first seen, each with one ``tessera`` scope holding its spans
        in input order.
    """
    groups: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for record in records:
        resource = record.get("resource") or {}
        key = json.dumps(resource, sort_keys=True)
        if key not in groups:
            groups[key] = (resource, [])
        groups[key][1].append(_span(record))
    resource_spans = []
    for resource, spans in groups.values():
        entry: dict[str, Any] = {}
        if resource:
            entry["resource"] = {"attributes": key_values(resource)}
        entry["scopeSpans"] = [{"scope": {"name": SCOPE_NAME}, "spans": spans}]
        resource_spans.append(entry)
    return {"resourceSpans": resource_spans}
