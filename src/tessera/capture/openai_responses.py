"""OpenAI Responses API usage (``client.responses.create``), plain and streamed.

The counts mean what Chat Completions' do under other names: ``input_tokens``
contains cached and cache-written tokens, ``output_tokens`` contains reasoning
tokens. A stream carries its total only on the terminal event
(``response.completed``, ``response.incomplete`` or ``response.failed``), at
``event.response.usage``; earlier events hold ``usage: null``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.capture._assemble import assemble, not_reported, with_problems
from tessera.capture._convert import Reader, short, text
from tessera.capture._shape import Shape, StreamFold
from tessera.usage import Usage

SHAPE_NAME = "openai_responses"

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})

NO_TERMINAL_EVENT = (
    "stream ended before its terminal event (response.completed, response.incomplete "
    "or response.failed); usage unknown"
)


def _is_body(body: Mapping[str, Any]) -> bool:
    if body.get("object") == "response":
        return True
    # A bare {"usage": ...} of this shape: only the Responses API has the details objects
    # under these names (Anthropic's usage has input_tokens but no input_tokens_details).
    usage = body.get("usage")
    return (
        "object" not in body
        and "type" not in body
        and isinstance(usage, Mapping)
        and ("input_tokens_details" in usage or "output_tokens_details" in usage)
        and "prompt_tokens" not in usage
    )


def _is_event(event: Mapping[str, Any]) -> bool:
    kind = event.get("type")
    return isinstance(kind, str) and kind.startswith("response.")


def _extras(
    body: Mapping[str, Any], input_details: Mapping[str, Any] | None, reader: Reader
) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    ttl = reader.block(
        input_details,
        "cache_write_tokens_details",
        "usage.input_tokens_details.cache_write_tokens_details",
    )
    for key in ttl or {}:
        if isinstance(key, str) and key.startswith("ttl_") and key.endswith("_tokens"):
            path = f"usage.input_tokens_details.cache_write_tokens_details.{key}"
            value = reader.count(ttl, key, path)
            if value is not None:
                extras[f"cache_write_{key[4:-7]}_tokens"] = value
    for key in ("service_tier", "status"):
        word = text(body.get(key))
        # "completed" is the normal case; only other statuses are worth keeping.
        if word is not None and not (key == "status" and word == "completed"):
            extras[key] = word
    return extras


def from_body(body: Mapping[str, Any], provider: str) -> Usage:
    """Normalize one Responses API ``Response`` body.

    Args:
        body: The response as a plain dict (``Response.model_dump()`` or JSON), or
            the ``response`` object of a terminal stream event.
        provider: Canonical provider id to put on the record.

    Returns:
        The normalized usage; not reported (with a problem) when ``usage`` is
        missing or null, as it is before the response reached a terminal status.
    """
    reader = Reader()
    model = text(body.get("model"))
    response_id = text(body.get("id"))
    usage = reader.block(body, "usage", "usage")
    if usage is None:
        status = text(body.get("status"))
        reader.flag(f"response has no usage object (status {status or 'unknown'})")
        return not_reported(provider, model, response_id, reader.problems)
    input_details = reader.block(usage, "input_tokens_details", "usage.input_tokens_details")
    output_details = reader.block(usage, "output_tokens_details", "usage.output_tokens_details")
    return assemble(
        reader,
        provider=provider,
        model=model,
        response_id=response_id,
        raw=usage,
        input_tokens=reader.count(usage, "input_tokens", "usage.input_tokens"),
        output_tokens=reader.count(usage, "output_tokens", "usage.output_tokens"),
        cache_read=reader.count(
            input_details, "cached_tokens", "usage.input_tokens_details.cached_tokens"
        ),
        cache_write=reader.count(
            input_details, "cache_write_tokens", "usage.input_tokens_details.cache_write_tokens"
        ),
        reasoning=reader.count(
            output_details, "reasoning_tokens", "usage.output_tokens_details.reasoning_tokens"
        ),
        provider_total=reader.count(usage, "total_tokens", "usage.total_tokens"),
        extras=_extras(body, input_details, reader),
    )


class ResponsesStreamAccumulator(StreamFold):
    """Folds Responses API stream events: the terminal event's ``response`` is the total.

    Model and id are taken from the first event that carries a ``response``
    (``response.created``), so a stream that breaks off still names them.
    """

    def __init__(self, provider: str) -> None:
        super().__init__(provider)
        self._final: dict[str, Any] | None = None

    def _take(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        response = data.get("response")
        if kind == "error":
            self._reader.flag(f"stream reported an error: {short(data.get('message'), 120)}")
        if not isinstance(response, Mapping):
            if kind in TERMINAL_EVENTS:
                self._reader.flag(f"{kind} event without a response object")
            return
        self._model = self._model or text(response.get("model"))
        self._response_id = self._response_id or text(response.get("id"))
        if kind in TERMINAL_EVENTS:
            if self._final is not None:
                self._reader.flag("stream had more than one terminal event; kept the last")
            self._final = dict(response)

    def result(self) -> Usage:
        """The terminal event's usage, or not reported when no terminal event came."""
        problems = list(self._reader.problems)
        if self._final is None:
            problems.append(NO_TERMINAL_EVENT if self._events else "stream had no events")
            return not_reported(self._provider, self._model, self._response_id, problems)
        final = dict(self._final)
        final.setdefault("model", self._model)
        final.setdefault("id", self._response_id)
        return with_problems(from_body(final, self._provider), problems)


SHAPE = Shape(
    name=SHAPE_NAME,
    default_provider="openai",
    is_body=_is_body,
    is_event=_is_event,
    from_body=from_body,
    accumulator=ResponsesStreamAccumulator,
)
