"""One finished span as one JSON object, in the line format of DESIGN §8.

The shape is fixed: ``trace_id``, ``span_id``, ``parent_span_id``, ``name``,
``kind``, ``start_time``, ``end_time``, ``duration_ms``, ``status``,
``attributes``, ``events`` and ``resource``. Attribute values that JSON cannot
hold as they are (dicts, mixed lists, objects) become JSON-encoded strings, and
non-finite floats become the strings ``"NaN"``, ``"Infinity"`` and
``"-Infinity"`` (as in the OTLP/JSON encoding), so every line is strict JSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import SpanContext

from tessera.tracing.attributes import TESSERA_DROPPED_NONE, TESSERA_TRUNCATED

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

#: Longest attribute string kept whole, in characters; longer ones are cut and flagged.
DEFAULT_MAX_ATTRIBUTE_CHARS = 32_768

_SCALARS = (str, bool, int, float)
# Nested values deeper than this are cut short: it also stops reference cycles.
_MAX_DEPTH = 32
_INVALID_TRACE_ID = "0" * 32
_INVALID_SPAN_ID = "0" * 16


def iso_time(time_ns: int | None) -> str | None:
    """Format nanoseconds since the epoch as ISO-8601 UTC with microseconds and ``Z``."""
    if time_ns is None:
        return None
    seconds, rest_ns = divmod(time_ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest_ns // 1000)
    # The C isoformat, about 3x faster than strftime: "...+00:00" becomes "...Z".
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def _finite(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _plain(value: Any, depth: int = 0) -> Any:
    """Turn any value into plain JSON-safe data (dicts, lists, scalars)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return _finite(value)
    if depth >= _MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {field.name: _plain(getattr(value, field.name), depth + 1) for field in fields}
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat())
    return str(value)


def _is_homogeneous(values: list[Any] | tuple[Any, ...]) -> bool:
    kinds = {type(item) for item in values if item is not None}
    return len(kinds) <= 1 and all(kind in _SCALARS for kind in kinds)


def attribute_value(value: Any) -> Any:
    """The JSON-safe form of one attribute value.

    Args:
        value: An attribute value as the span holds it.

    Returns:
        Scalars and lists of one scalar type as they are (non-finite floats
        as strings); anything else as a compact JSON-encoded string.
    """
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, list | tuple) and _is_homogeneous(value):
        return [_finite(item) if isinstance(item, float) else item for item in value]
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def _truncated(value: Any, limit: int | None) -> tuple[Any, bool]:
    if limit is None:
        return value, False
    if isinstance(value, str) and len(value) > limit:
        return value[:limit], True
    if isinstance(value, list) and any(isinstance(v, str) and len(v) > limit for v in value):
        return [v[:limit] if isinstance(v, str) else v for v in value], True
    return value, False


def attributes_dict(
    attributes: Mapping[str, Any] | None, max_chars: int | None = DEFAULT_MAX_ATTRIBUTE_CHARS
) -> dict[str, Any]:
    """JSON-safe copy of an attribute mapping, oversize strings cut and flagged.

    Args:
        attributes: The span's, event's or resource's attributes.
        max_chars: Longest string kept whole; ``None`` keeps everything.

    Returns:
        A new dict. ``None`` values are left out and counted under
        ``tessera.dropped_none``; when a value was cut, its key is listed
        under ``tessera.truncated``.
    """
    result: dict[str, Any] = {}
    cut: list[str] = []
    dropped = 0
    for key, raw in (attributes or {}).items():
        kind = type(raw)
        # The common values first, as they are: short strings, ints, bools.
        if (
            kind is int
            or kind is bool
            or (kind is str and (max_chars is None or len(raw) <= max_chars))
        ):
            result[str(key)] = raw
            continue
        if raw is None:
            # OTLP has no null attribute; a count keeps the fact visible.
            dropped += 1
            continue
        value, was_cut = _truncated(attribute_value(raw), max_chars)
        result[str(key)] = value
        if was_cut:
            cut.append(str(key))
    if cut:
        result[TESSERA_TRUNCATED] = cut
    if dropped:
        result[TESSERA_DROPPED_NONE] = dropped
    return result


def _span_id(context: SpanContext | None) -> str | None:
    return None if context is None else format(context.span_id, "016x")


def span_to_dict(
    span: ReadableSpan, max_chars: int | None = DEFAULT_MAX_ATTRIBUTE_CHARS
) -> dict[str, Any]:
    """The JSONL record of one finished span (DESIGN §8).

    Args:
        span: A finished SDK span.
        max_chars: Longest attribute string kept whole; ``None`` keeps everything.

    Returns:
        A dict holding only JSON-safe values, keys in the documented order.
    """
    context = span.context
    start, end = span.start_time, span.end_time
    status: dict[str, str] = {"code": span.status.status_code.name}
    if span.status.description:
        status["description"] = span.status.description
    return {
        "trace_id": _INVALID_TRACE_ID if context is None else format(context.trace_id, "032x"),
        "span_id": _span_id(context) or _INVALID_SPAN_ID,
        "parent_span_id": _span_id(span.parent),
        "name": span.name,
        "kind": span.kind.name,
        "start_time": iso_time(start),
        "end_time": iso_time(end),
        "duration_ms": None if start is None or end is None else (end - start) / 1_000_000,
        "status": status,
        "attributes": attributes_dict(span.attributes, max_chars),
        "events": [
            {
                "name": event.name,
                "time": iso_time(event.timestamp),
                "attributes": attributes_dict(event.attributes, max_chars),
            }
            for event in span.events
        ],
        "resource": _resource_dict(span.resource, max_chars),
    }


# The last resource encoded, with its limit and result: a provider gives every span
# the same immutable resource, so it is encoded once, not once per span.
_last_resource: tuple[Any, int | None, dict[str, Any]] | None = None


def _resource_dict(resource: Any, max_chars: int | None) -> dict[str, Any]:
    global _last_resource
    last = _last_resource
    if last is not None and last[0] is resource and last[1] == max_chars:
        return dict(last[2])
    encoded = attributes_dict(resource.attributes, max_chars)
    _last_resource = (resource, max_chars, encoded)
    return dict(encoded)


def encode_line(record: Mapping[str, Any]) -> bytes:
    """One compact JSON line, newline included, as UTF-8.

    Raises:
        ValueError: ``record`` holds a non-finite float (use :func:`span_to_dict`).
    """
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; \u escapes keep the line valid JSON.
        return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("ascii")
