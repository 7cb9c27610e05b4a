"""Token counts from response headers, for proxies that report usage there.

Some gateways strip ``usage`` from the body (or never had it, for streams) and
send counts as response headers instead. A mapping from header name to a
normalized field tells capture where to look; it is used only when the body
carried no usage, so a real body count always wins. Mappings come from the
``header_map`` argument of ``extract_usage`` / ``stream_accumulator`` or from
:func:`register_usage_headers` (process-wide).

The counts are taken as already normalized: input including cached and
cache-written tokens, output including reasoning.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace

from tessera.capture._assemble import assemble, with_problems
from tessera.capture._convert import Reader, as_count
from tessera.usage import Usage

#: The fields a header may be mapped to.
USAGE_FIELDS = frozenset(
    {
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    }
)

_registry: dict[str, str] = {}
_lock = threading.Lock()


def _normalized(mapping: Mapping[str, str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for header, field in mapping.items():
        if field not in USAGE_FIELDS:
            known = ", ".join(sorted(USAGE_FIELDS))
            raise ValueError(f"header {header!r} maps to unknown field {field!r} (known: {known})")
        result[header.strip().lower()] = field
    return result


def register_usage_headers(mapping: Mapping[str, str]) -> None:
    """Add process-wide header-to-field mappings, used when a body has no usage.

    Args:
        mapping: Header name (case-insensitive) -> one of :data:`USAGE_FIELDS`,
            e.g. ``{"x-usage-input-tokens": "input_tokens"}``.

    Raises:
        ValueError: A field name is not one of :data:`USAGE_FIELDS`.
    """
    checked = _normalized(mapping)
    with _lock:
        _registry.update(checked)


def clear_usage_headers() -> None:
    """Forget every mapping added with :func:`register_usage_headers`."""
    with _lock:
        _registry.clear()


def active_map(header_map: Mapping[str, str] | None) -> dict[str, str]:
    """The registered mappings overlaid with ``header_map``; bad fields in it are dropped."""
    with _lock:
        merged = dict(_registry)
    for header, field in (header_map or {}).items():
        if isinstance(header, str) and field in USAGE_FIELDS:
            merged[header.strip().lower()] = field
    return merged


def _parse(value: str) -> int | None:
    text = value.strip()
    return as_count(int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def usage_from_headers(
    usage: Usage, headers: Mapping[str, str], header_map: Mapping[str, str] | None
) -> Usage:
    """``usage`` filled from mapped headers when the body reported nothing.

    Args:
        usage: What the body gave; returned unchanged when it was reported.
        headers: Response headers.
        header_map: Per-call mappings, overlaid on the registered ones.

    Returns:
        A reported usage with ``extras["usage_source"] == "headers"`` when a
        mapped header held a count, else ``usage`` as it was.
    """
    mapping = active_map(header_map)
    if usage.reported or not mapping:
        return usage
    lowered = {str(k).strip().lower(): v for k, v in headers.items()}
    reader = Reader()
    counts: dict[str, int] = {}
    for header, field in mapping.items():
        value = lowered.get(header)
        if value is None:
            continue
        count = _parse(value) if isinstance(value, str) else None
        if count is None:
            reader.flag(f"header {header} is not a non-negative integer count: {value!r:.40}")
            continue
        counts[field] = count
    if not counts:
        return with_problems(usage, reader.problems)
    input_tokens, output_tokens = counts.get("input_tokens"), counts.get("output_tokens")
    total = counts.get("total_tokens")
    if input_tokens is None and output_tokens is None and total is not None:
        reader.flag("headers gave only a total; input and output unknown")
    found = assemble(
        reader,
        provider=usage.provider or "unknown",
        model=usage.model,
        response_id=usage.response_id,
        raw={header: lowered[header] for header in mapping if header in lowered},
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read=counts.get("cache_read_tokens"),
        cache_write=counts.get("cache_write_tokens"),
        reasoning=counts.get("reasoning_tokens"),
        provider_total=total,
        extras={**usage.extras, "usage_source": "headers"},
    )
    if usage.provider is None:
        found = replace(found, provider=None)
    return found
