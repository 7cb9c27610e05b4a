"""Anthropic Messages usage (direct API and Claude on Vertex AI).

Anthropic's ``input_tokens`` excludes both cache counts, so the whole input is
``input_tokens + cache_read_input_tokens + cache_creation_input_tokens``. In a
stream, ``message_start`` carries the input and cache counts and
``message_delta`` carries cumulative totals: values are overwritten field by
field, never added (adding doubles the cache counts, langchainjs #10249).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.capture._assemble import assemble, not_reported, with_problems
from tessera.capture._convert import Reader, as_count, short, text
from tessera.capture._shape import Shape, StreamFold
from tessera.usage import CACHE_WRITE_1H, Usage

SHAPE_NAME = "anthropic_messages"

INCOMPLETE_STREAM = "stream ended before message_delta; output_tokens incomplete"

_STREAM_EVENTS = frozenset(
    {
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    }
)
# Final at message_start; some proxies send 0 for them in message_delta (langchain #35509).
_PROMPT_FIELDS = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
_ITERATION_FIELDS = ("input_tokens", "output_tokens", *_PROMPT_FIELDS[1:])
_TTL_PREFIX, _TTL_SUFFIX = "ephemeral_", "_input_tokens"


def _is_body(body: Mapping[str, Any]) -> bool:
    if body.get("type") == "message":
        return True
    usage = body.get("usage")
    return (
        "object" not in body
        and "type" not in body
        and isinstance(usage, Mapping)
        and "input_tokens" in usage
        and "prompt_tokens" not in usage
    )


def _is_event(event: Mapping[str, Any]) -> bool:
    return event.get("type") in _STREAM_EVENTS


def _refine_provider(provider: str, response_id: str | None) -> str:
    # The same client class serves both; only the id prefix tells Vertex apart.
    if provider == "anthropic" and response_id is not None and response_id.startswith("msg_vrtx_"):
        return "vertex_ai"
    return provider


def _ttl_split(usage: Mapping[str, Any], reader: Reader) -> tuple[int | None, dict[str, int]]:
    """Sum of the cache-write TTL split, and its parts keyed for ``Usage.extras``."""
    split = reader.block(usage, "cache_creation", "usage.cache_creation")
    if split is None:
        return None, {}
    parts: dict[str, int] = {}
    for key in split:
        if not (isinstance(key, str) and key.startswith(_TTL_PREFIX) and key.endswith(_TTL_SUFFIX)):
            continue
        value = reader.count(split, key, f"usage.cache_creation.{key}")
        if value is not None:
            ttl = key[len(_TTL_PREFIX) : -len(_TTL_SUFFIX)]
            parts[CACHE_WRITE_1H if ttl == "1h" else f"cache_write_{ttl}_tokens"] = value
    return (sum(parts.values()) if parts else None), parts


def _iterations(usage: Mapping[str, Any], reader: Reader) -> dict[str, int] | None:
    """Counts summed over beta server-side ``iterations``, or None if unusable."""
    items = usage.get("iterations")
    if not isinstance(items, list) or not items:
        return None
    sums = dict.fromkeys(_ITERATION_FIELDS, 0)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            reader.flag(f"usage.iterations[{index}] is not an object: {short(item)}")
            return None
        for key in _ITERATION_FIELDS:
            value = reader.count(item, key, f"usage.iterations[{index}].{key}")
            if value is None and item.get(key) is not None:
                return None
            sums[key] += value or 0
    return sums


def _extras(usage: Mapping[str, Any], reader: Reader, ttl_parts: dict[str, int]) -> dict[str, Any]:
    extras: dict[str, Any] = dict(ttl_parts)
    tools = reader.block(usage, "server_tool_use", "usage.server_tool_use")
    for key in tools or {}:
        if not isinstance(key, str):
            continue
        value = reader.count(tools, key, f"usage.server_tool_use.{key}")
        if value is not None:
            extras[key] = value
    tier = text(usage.get("service_tier"))
    if tier is not None:
        extras["service_tier"] = tier
    return extras


def _from_usage(
    usage: Mapping[str, Any], reader: Reader, provider: str, model: str | None, rid: str | None
) -> Usage:
    plain = reader.count(usage, "input_tokens", "usage.input_tokens")
    output = reader.count(usage, "output_tokens", "usage.output_tokens")
    read = reader.count(usage, "cache_read_input_tokens", "usage.cache_read_input_tokens")
    creation = reader.count(
        usage, "cache_creation_input_tokens", "usage.cache_creation_input_tokens"
    )
    ttl_sum, ttl_parts = _ttl_split(usage, reader)
    write = creation
    if ttl_sum is not None:
        if creation is not None and creation != ttl_sum:
            reader.flag(
                f"usage.cache_creation_input_tokens ({creation}) differs from the sum of "
                f"usage.cache_creation ({ttl_sum}); kept the larger"
            )
        write = ttl_sum if write is None or ttl_sum > write else write
    extras = _extras(usage, reader, ttl_parts)
    if plain == 0 and output == 0:
        sums = _iterations(usage, reader)
        if sums is not None:
            plain, output = sums["input_tokens"], sums["output_tokens"]
            read = sums["cache_read_input_tokens"] or read
            write = sums["cache_creation_input_tokens"] or write
            extras["usage_from_iterations"] = len(usage["iterations"])
    details = reader.block(usage, "output_tokens_details", "usage.output_tokens_details")
    reasoning = reader.count(
        details, "thinking_tokens", "usage.output_tokens_details.thinking_tokens"
    )

    # The whole input is a sum; an unreadable cache summand makes it unknown, not smaller.
    cache_unreadable = "usage.cache_read_input_tokens" in reader.bad or (
        write is None and "usage.cache_creation_input_tokens" in reader.bad
    )
    whole_input = None
    if plain is not None and not cache_unreadable:
        whole_input = plain + (read or 0) + (write or 0)
    return assemble(
        reader,
        provider=provider,
        model=model,
        response_id=rid,
        raw=usage,
        input_tokens=whole_input,
        output_tokens=output,
        cache_read=read,
        cache_write=write,
        reasoning=reasoning,
        provider_total=reader.count(usage, "total_tokens", "usage.total_tokens"),
        extras=extras,
    )


def from_body(body: Mapping[str, Any], provider: str) -> Usage:
    """Normalize one Anthropic ``Message`` body.

    Args:
        body: The message as a plain dict (``Message.model_dump()`` or JSON).
        provider: Canonical provider id; ``anthropic`` becomes ``vertex_ai`` when
            the message id starts with ``msg_vrtx_``.

    Returns:
        The normalized usage; not reported (with a problem) when the body has no
        usable ``usage`` object.
    """
    reader = Reader()
    model = text(body.get("model"))
    response_id = text(body.get("id"))
    provider = _refine_provider(provider, response_id)
    usage = reader.block(body, "usage", "usage")
    if usage is None:
        reader.flag("response has no usage object")
        return not_reported(provider, model, response_id, reader.problems)
    return _from_usage(usage, reader, provider, model, response_id)


def _overwrite(merged: dict[str, Any], delta: Mapping[str, Any]) -> None:
    """Apply one ``message_delta.usage`` to the merged usage: overwrite, never add."""
    for key, value in delta.items():
        if value is None:
            continue
        earlier = as_count(merged.get(key)) or 0
        if key in _PROMPT_FIELDS and as_count(value) == 0 and earlier > 0:
            continue
        merged[key] = value


class MessagesStreamAccumulator(StreamFold):
    """Folds raw Messages stream events into one usage.

    Starts from ``message_start.message.usage`` and overwrites it field by field
    with each non-null ``message_delta.usage`` value. A delta that lacks a field,
    or sends 0 for an input or cache count that ``message_start`` gave as non-zero,
    keeps the earlier value. Other event types (content blocks, ``ping``, the SDK
    helper's ``text`` events, ...) are ignored.
    """

    def __init__(self, provider: str) -> None:
        super().__init__(provider)
        self._usage: dict[str, Any] | None = None
        self._saw_start = False
        self._saw_delta = False

    def _take(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if kind == "message_start":
            self._start(data)
        elif kind == "message_delta":
            self._delta(data)
        elif kind == "error":
            self._reader.flag(f"stream reported an error: {short(data.get('error'), 120)}")

    def _start(self, data: Mapping[str, Any]) -> None:
        message = data.get("message")
        if not isinstance(message, Mapping):
            self._reader.flag(f"message_start without a message object: {short(message)}")
            return
        if self._saw_start:
            self._reader.flag("stream had more than one message_start; kept the first")
            return
        self._saw_start = True
        self._model = text(message.get("model"))
        self._response_id = text(message.get("id"))
        usage = message.get("usage")
        if not isinstance(usage, Mapping):
            self._reader.flag(f"message_start.message.usage is not an object: {short(usage)}")
            return
        earlier_deltas = self._usage
        self._usage = dict(usage)
        if earlier_deltas:
            _overwrite(self._usage, earlier_deltas)

    def _delta(self, data: Mapping[str, Any]) -> None:
        usage = data.get("usage")
        if not isinstance(usage, Mapping):
            self._reader.flag(f"message_delta.usage is not an object: {short(usage)}")
            return
        self._saw_delta = True
        if self._usage is None:
            self._usage = {}
        _overwrite(self._usage, usage)

    def result(self) -> Usage:
        """The merged usage; flagged when ``message_start`` or ``message_delta`` is missing."""
        problems = list(self._reader.problems)
        provider = _refine_provider(self._provider, self._response_id)
        if self._usage is None:
            problems.append(
                "stream carried no usage (no message_start or message_delta with usage)"
                if self._events
                else "stream had no events"
            )
            return not_reported(provider, self._model, self._response_id, problems)
        if not self._saw_start:
            problems.append("stream had no message_start; input and cache counts may be missing")
        elif not self._saw_delta:
            problems.append(INCOMPLETE_STREAM)
        body = {"id": self._response_id, "model": self._model, "usage": self._usage}
        return with_problems(from_body(body, self._provider), problems)


SHAPE = Shape(
    name=SHAPE_NAME,
    default_provider="anthropic",
    is_body=_is_body,
    is_event=_is_event,
    from_body=from_body,
    accumulator=MessagesStreamAccumulator,
)
