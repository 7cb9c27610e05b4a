"""GitHub Copilot quota response headers, parsed into ``Usage.extras["copilot_quota"]``.

Copilot reports quota state, not tokens, in headers on every successful
data-plane response: ``x-quota-snapshot-<quota_id>`` (``chat``,
``premium_interactions``, ``premium_models``, ...) and
``x-usage-ratelimit-session`` / ``x-usage-ratelimit-weekly``. Each value is a
URL-encoded query string::

    ent=-1&ov=0.0&ovPerm=false&rem=100.0&rst=2025-12-01T00%3A00%3A00Z

``ent`` entitlement (-1 = unlimited), ``ov`` overage used, ``ovPerm`` overage
permitted, ``rem`` percent remaining, ``rst`` reset time, ``totRem`` total
remaining. Keys not listed here are kept under their own name, as text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

#: Key in :attr:`tessera.usage.Usage.extras` holding the parsed quota headers.
COPILOT_QUOTA = "copilot_quota"

_SNAPSHOT_PREFIX = "x-quota-snapshot-"
_RATELIMIT_PREFIX = "x-usage-ratelimit-"
# Header values are short; anything longer is not a quota header and is not parsed.
_MAX_VALUE = 2000


def _number(value: str) -> int | float | str:
    try:
        number = float(value)
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() and "." not in value else number


def _flag(value: str) -> bool | str:
    lowered = value.strip().lower()
    return {"true": True, "false": False}.get(lowered, value)


def _text(value: str) -> str:
    return value


_FIELDS = {
    "ent": ("entitlement", _number),
    "ov": ("overage_used", _number),
    "ovPerm": ("overage_permitted", _flag),
    "rem": ("percent_remaining", _number),
    "rst": ("reset_at", _text),
    "totRem": ("total_remaining", _number),
}


def parse_quota_value(value: str) -> dict[str, Any]:
    """One quota header value as a dict with readable names and typed values.

    Args:
        value: The header value, a URL-encoded query string.

    Returns:
        Known keys renamed (``ent`` -> ``entitlement``, ...) with numbers and
        booleans converted; an unparseable number stays text. ``unlimited`` is
        added when the entitlement is -1.
    """
    parsed: dict[str, Any] = {}
    for key, raw in parse_qsl(value[:_MAX_VALUE], keep_blank_values=True):
        name, convert = _FIELDS.get(key, (key, _text))
        parsed[name] = convert(raw)
    if parsed.get("entitlement") == -1:
        parsed["unlimited"] = True
    return parsed


def parse_quota_headers(headers: Mapping[str, str] | None) -> dict[str, Any]:
    """All Copilot quota headers among ``headers``, keyed by quota id.

    Args:
        headers: Response headers (any mapping; names are matched case-insensitively).

    Returns:
        ``{"chat": {...}, "premium_interactions": {...}, "ratelimit_session": {...}}``
        for the headers present; empty when there are none. Never raises.
    """
    quota: dict[str, Any] = {}
    if not headers:
        return quota
    try:
        items = list(headers.items())
    except Exception:
        return quota
    for name, value in items:
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        lowered = name.strip().lower()
        if lowered.startswith(_SNAPSHOT_PREFIX):
            key = lowered[len(_SNAPSHOT_PREFIX) :]
        elif lowered.startswith(_RATELIMIT_PREFIX):
            key = "ratelimit_" + lowered[len(_RATELIMIT_PREFIX) :]
        else:
            continue
        if key and key != "ratelimit_":
            quota[key] = parse_quota_value(value)
    return quota
