"""OpenAI Chat Completions usage (also Azure, Copilot and other compatible servers).

``prompt_tokens`` already contains cached and cache-written tokens and
``completion_tokens`` contains reasoning tokens, so they map straight onto the
normalized wholes. In a stream the usage is a total carried by one late chunk
(``stream_options={"include_usage": True}``); the last non-null one wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.capture._assemble import assemble, not_reported, with_problems
from tessera.capture._convert import Reader, short, text
from tessera.capture._shape import Shape, StreamFold
from tessera.usage import Usage

SHAPE_NAME = "openai_chat"

NO_STREAM_USAGE = (
    "stream carried no usage; request stream_options={'include_usage': True} "
    "(LangChain: stream_usage=True) or the stream broke off before its usage chunk"
)

# Later keys are fallbacks: Copilot's Claude models and LiteLLM name cache writes
# differently inside the same prompt_tokens_details object.
_CACHE_WRITE_KEYS = ("cache_write_tokens", "cache_creation_input_tokens", "cache_creation_tokens")


def _is_body(body: Mapping[str, Any]) -> bool:
    if body.get("object") == "chat.completion":
        return True
    usage = body.get("usage")
    return "object" not in body and isinstance(usage, Mapping) and "prompt_tokens" in usage


def _is_event(event: Mapping[str, Any]) -> bool:
    return event.get("object") == "chat.completion.chunk"


def _read_usage(usage: Mapping[str, Any], reader: Reader) -> dict[str, Any]:
    prompt_details = reader.block(usage, "prompt_tokens_details", "usage.prompt_tokens_details")
    completion_details = reader.block(
        usage, "completion_tokens_details", "usage.completion_tokens_details"
    )
    cache_write = None
    for key in _CACHE_WRITE_KEYS:
        cache_write = reader.count(prompt_details, key, f"usage.prompt_tokens_details.{key}")
        if cache_write is not None:
            break
    return {
        "input_tokens": reader.count(usage, "prompt_tokens", "usage.prompt_tokens"),
        "output_tokens": reader.count(usage, "completion_tokens", "usage.completion_tokens"),
        "provider_total": reader.count(usage, "total_tokens", "usage.total_tokens"),
        "cache_read": reader.count(
            prompt_details, "cached_tokens", "usage.prompt_tokens_details.cached_tokens"
        ),
        "cache_write": cache_write,
        "reasoning": reader.count(
            completion_details,
            "reasoning_tokens",
            "usage.completion_tokens_details.reasoning_tokens",
        ),
        "prompt_details": prompt_details,
        "completion_details": completion_details,
    }


def _extras(counts: Mapping[str, Any], body: Mapping[str, Any], reader: Reader) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    prompt, completion = "prompt_tokens_details", "completion_tokens_details"
    pairs = (
        ("audio_input_tokens", prompt, "audio_tokens", counts["input_tokens"]),
        ("audio_output_tokens", completion, "audio_tokens", counts["output_tokens"]),
        ("accepted_prediction_tokens", completion, "accepted_prediction_tokens", None),
        ("rejected_prediction_tokens", completion, "rejected_prediction_tokens", None),
    )
    blocks = {prompt: counts["prompt_details"], completion: counts["completion_details"]}
    for name, block_name, key, whole in pairs:
        value = reader.count(blocks[block_name], key, f"usage.{block_name}.{key}")
        if value is None:
            continue
        if whole is not None and value > whole:
            reader.flag(f"{name} ({value}) exceeds its side's total ({whole}); left out")
            continue
        extras[name] = value
    tier = text(body.get("service_tier"))
    if tier is not None:
        extras["service_tier"] = tier
    return extras


def from_body(body: Mapping[str, Any], provider: str) -> Usage:
    """Normalize one Chat Completions response body (or its usage-carrying chunk).

    Args:
        body: The response as a plain dict (``ChatCompletion.model_dump()`` or JSON).
        provider: Canonical provider id to put on the record.

    Returns:
        The normalized usage; not reported (with a problem) when the body has no
        usable ``usage`` object.
    """
    reader = Reader()
    model = text(body.get("model"))
    response_id = text(body.get("id"))
    usage = reader.block(body, "usage", "usage")
    if usage is None:
        reader.flag("response has no usage object")
        return not_reported(provider, model, response_id, reader.problems)
    counts = _read_usage(usage, reader)
    extras = _extras(counts, body, reader)
    return assemble(
        reader,
        provider=provider,
        model=model,
        response_id=response_id,
        raw=usage,
        input_tokens=counts["input_tokens"],
        output_tokens=counts["output_tokens"],
        cache_read=counts["cache_read"],
        cache_write=counts["cache_write"],
        reasoning=counts["reasoning"],
        provider_total=counts["provider_total"],
        extras=extras,
    )


class ChatStreamAccumulator(StreamFold):
    """Folds ``ChatCompletionChunk`` events: the last non-null ``usage`` is the total.

    The usage chunk is found by ``usage`` being non-null, never by its
    ``choices`` (empty on OpenAI's usage chunk and Azure's first chunk, non-empty
    when a compatible server puts usage on the finish chunk).
    """

    event_name = "stream chunk"

    def __init__(self, provider: str) -> None:
        super().__init__(provider)
        self._usage: dict[str, Any] | None = None
        self._service_tier: str | None = None

    def _take(self, chunk: dict[str, Any]) -> None:
        # Azure's first chunk has an empty id and model; keep the first real ones.
        self._model = self._model or text(chunk.get("model"))
        self._response_id = self._response_id or text(chunk.get("id"))
        self._service_tier = text(chunk.get("service_tier")) or self._service_tier
        usage = chunk.get("usage")
        if usage is None:
            return
        if isinstance(usage, Mapping):
            self._usage = dict(usage)
        else:
            self._reader.flag(f"stream chunk usage is not an object: {short(usage)}")

    def result(self) -> Usage:
        """The usage of the last usage-carrying chunk, or not reported without one."""
        problems = list(self._reader.problems)
        if self._usage is None:
            problems.append(NO_STREAM_USAGE if self._events else "stream had no chunks")
            return not_reported(self._provider, self._model, self._response_id, problems)
        body: dict[str, Any] = {"usage": self._usage, "model": self._model, "id": self._response_id}
        if self._service_tier is not None:
            body["service_tier"] = self._service_tier
        usage = from_body(body, self._provider)
        return with_problems(usage, problems)


SHAPE = Shape(
    name=SHAPE_NAME,
    default_provider="openai",
    is_body=_is_body,
    is_event=_is_event,
    from_body=from_body,
    accumulator=ChatStreamAccumulator,
)
