"""Read a LiteLLM callback's arguments: which call, which provider, which counts are real.

LiteLLM calls success callbacks with ``(kwargs, completion_response,
start_time, end_time)``. The provider is ``kwargs["custom_llm_provider"]`` (the
response's ``_hidden_params`` copy can be None); the served model is the
response's ``model``; ``litellm_call_id`` identifies the call.

Estimates: when an OpenAI-compatible stream carries no usage chunk, LiteLLM
fills ``usage`` with its own tokenizer count, and nothing in the response tells
it apart (usage-fields §7). The one signal is the request: such a stream
reports usage only when ``stream_options.include_usage`` was sent. The caller
may ask for it; LiteLLM 1.110 also adds it itself for the ``openai`` provider
when the API base is OpenAI's own (``OpenAIChatCompletion.get_stream_options``),
but not for a custom ``api_base``. So a stream from a provider that does not
always report stream usage, with neither, has its counts listed in
``Usage.estimated_fields``. This is a rule about the request, not proof: a
compatible server that sends usage unasked is still marked estimated. Claude
reasoning counts (anthropic, vertex_ai, bedrock) are LiteLLM's tokenization of
the thinking text and are always listed as estimated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tessera.capture.providers import canonical_provider

# Providers whose streams carry usage without being asked (usage-fields §3-§6).
STREAM_USAGE_ALWAYS = frozenset({"anthropic", "vertex_ai", "gemini", "bedrock", "github_copilot"})
# Providers on which LiteLLM tokenizes Claude's thinking text for reasoning_tokens.
_CLAUDE_HOSTS = frozenset({"anthropic", "vertex_ai", "bedrock"})
_COUNT_FIELDS = frozenset({"input_tokens", "output_tokens", "total_tokens"})
_HEADER_PREFIX = "llm_provider-"


@dataclass(frozen=True, slots=True)
class LiteLLMCall:
    """One LiteLLM callback invocation, read.

    Attributes:
        call_id: ``litellm_call_id``, the key for recording each call once.
        provider: Canonical provider (or LiteLLM's id as given when unknown).
        request_model: The model asked for, without the provider prefix.
        stream: The request streamed.
        cache_hit: LiteLLM's own cache answered; no provider call was made.
        chunk: The argument is one stream chunk, not the assembled response.
        response: The response to read usage from (the assembled one for streams).
        headers: Upstream response headers LiteLLM kept, prefix removed.
        started_at: When the call started, if LiteLLM said.
        ended_at: When it ended, if LiteLLM said.
        exception: The error of a failed call.
    """

    call_id: str | None
    provider: str | None
    request_model: str | None
    stream: bool
    cache_hit: bool
    chunk: bool
    response: object
    headers: dict[str, str] = field(default_factory=dict)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    exception: BaseException | None = None


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _headers(response: object) -> dict[str, str]:
    hidden = getattr(response, "_hidden_params", None)
    extra = hidden.get("additional_headers") if isinstance(hidden, Mapping) else None
    if not isinstance(extra, Mapping):
        return {}
    result: dict[str, str] = {}
    for name, value in extra.items():
        if isinstance(name, str) and isinstance(value, str) and name.startswith(_HEADER_PREFIX):
            result[name[len(_HEADER_PREFIX) :]] = value
    return result


def read_call(
    kwargs: Mapping[str, Any], response: object, start_time: object, end_time: object
) -> LiteLLMCall:
    """Read one callback invocation; never raises on odd values."""
    stream = bool(kwargs.get("stream"))
    assembled = kwargs.get("complete_streaming_response") or kwargs.get(
        "async_complete_streaming_response"
    )
    chunk = type(response).__name__ == "ModelResponseStream" or (stream and assembled is None)
    if stream and assembled is not None:
        response = assembled
    name = kwargs.get("custom_llm_provider")
    provider = canonical_provider(name) or (name.lower() if isinstance(name, str) else None)
    call_id = kwargs.get("litellm_call_id")
    model = kwargs.get("model")
    exception = kwargs.get("exception")
    return LiteLLMCall(
        call_id=call_id if isinstance(call_id, str) else None,
        provider=provider,
        request_model=model if isinstance(model, str) else None,
        stream=stream,
        cache_hit=kwargs.get("cache_hit") is True,
        chunk=chunk and response is not None,
        response=response,
        headers=_headers(response),
        started_at=_time(start_time),
        ended_at=_time(end_time),
        exception=exception if isinstance(exception, BaseException) else None,
    )


def _asked_stream_usage(kwargs: Mapping[str, Any], provider: str | None) -> bool:
    optional = kwargs.get("optional_params")
    params = kwargs.get("litellm_params")
    params = params if isinstance(params, Mapping) else {}
    for source in (kwargs, optional if isinstance(optional, Mapping) else {}):
        options = source.get("stream_options")
        if isinstance(options, Mapping):
            # The caller's own choice, whichever way, is sent as given.
            return options.get("include_usage") is True
    if provider != "openai":
        return False
    base = kwargs.get("api_base") or params.get("api_base")
    return not base or (isinstance(base, str) and "api.openai.com" in base)


def estimated_fields(
    kwargs: Mapping[str, Any], call: LiteLLMCall, reasoning_reported: bool, model: str | None
) -> frozenset[str]:
    """The counts of this call that LiteLLM estimated rather than the provider reported.

    Args:
        kwargs: The callback's ``kwargs``.
        call: The call as read by :func:`read_call`.
        reasoning_reported: The usage carries a reasoning count.
        model: The served model, to tell Claude apart on Vertex AI and Bedrock.
    """
    fields: set[str] = set()
    if (
        call.stream
        and call.provider not in STREAM_USAGE_ALWAYS
        and not _asked_stream_usage(kwargs, call.provider)
    ):
        fields |= _COUNT_FIELDS
    is_claude = "claude" in (model or call.request_model or "").lower()
    if reasoning_reported and call.provider in _CLAUDE_HOSTS and is_claude:
        fields.add("reasoning_tokens")
    return frozenset(fields)
