"""LangChain results: ``AIMessage.usage_metadata``, else ``LLMResult.llm_output``.

``usage_metadata`` is already normalized by the integration (input includes
cache read and creation, output includes reasoning). One quirk is undone here:
langchain-anthropic sets ``input_token_details.cache_creation`` to 0 when it
also reports the TTL split (langchain #36991), so cache writes are
max(``cache_creation``, Σ ``ephemeral_*_input_tokens``). With ``n > 1`` every
candidate carries the usage of the whole response, so only ``generations[0][0]``
is read. Without ``usage_metadata`` the integration's raw ``llm_output``
(``token_usage`` for OpenAI, ``usage`` for Anthropic) is read by its own module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tessera.capture._assemble import assemble, not_reported, with_problems
from tessera.capture._convert import Reader, as_count, as_dict, short, text
from tessera.capture._shape import Shape
from tessera.capture.anthropic_messages import from_body as anthropic_body
from tessera.capture.openai_chat import from_body as openai_body
from tessera.capture.providers import canonical_provider
from tessera.usage import CACHE_WRITE_1H, Usage

SHAPE_NAME = "langchain"

_MESSAGE_TYPES = frozenset({"ai", "AIMessageChunk"})
# Placeholder provider while nothing names one; it never reaches a record.
_UNNAMED = "langchain"
_TIERS = ("priority", "flex")  # langchain-openai prefixes detail keys with these service tiers


def prepare(payload: object) -> dict[str, Any] | None:
    """A plain dict of a LangChain ``AIMessage`` or ``LLMResult``, else None.

    Their own ``model_dump`` drops ``usage_metadata`` from nested messages and
    leaves out the default ``type``, so they are taken apart attribute by attribute.
    """
    if not (type(payload).__module__ or "").startswith("langchain_core"):
        return None
    generations = getattr(payload, "generations", None)
    if isinstance(generations, list):
        first = generations[0] if generations and isinstance(generations[0], list) else []
        message = getattr(first[0], "message", None) if first else None
        return {
            "type": "LLMResult",
            "generations": [[{"message": prepare(message)}]] if message is not None else [],
            "llm_output": as_dict(getattr(payload, "llm_output", None)),
        }
    if hasattr(payload, "usage_metadata"):
        return {
            "type": "AIMessageChunk" if type(payload).__name__.endswith("Chunk") else "ai",
            "usage_metadata": as_dict(getattr(payload, "usage_metadata", None)),
            "response_metadata": as_dict(getattr(payload, "response_metadata", None)) or {},
        }
    return None


def _is_body(body: Mapping[str, Any]) -> bool:
    if body.get("type") == "LLMResult" or isinstance(body.get("generations"), list):
        return True
    return body.get("type") == "ai" and "usage_metadata" in body


def _is_event(event: Mapping[str, Any]) -> bool:
    return event.get("type") == "AIMessageChunk"


def _detail(details: Mapping[str, Any] | None, key: str, reader: Reader, path: str) -> int | None:
    value = reader.count(details, key, f"{path}.{key}")
    for tier in _TIERS:
        if value is None:
            value = reader.count(details, f"{tier}_{key}", f"{path}.{tier}_{key}")
    return value


def from_usage_metadata(
    usage: Mapping[str, Any], provider: str, model: str | None, response_id: str | None
) -> Usage:
    """Normalize one ``UsageMetadata`` dict."""
    reader = Reader()
    inputs = reader.block(usage, "input_token_details", "usage_metadata.input_token_details")
    outputs = reader.block(usage, "output_token_details", "usage_metadata.output_token_details")
    path = "usage_metadata.input_token_details"
    creation = _detail(inputs, "cache_creation", reader, path)
    ttl: dict[str, int] = {}
    for key in inputs or {}:
        if isinstance(key, str) and key.startswith("ephemeral_") and key.endswith("_input_tokens"):
            value = reader.count(inputs, key, f"{path}.{key}")
            if value is not None:
                name = key[len("ephemeral_") : -len("_input_tokens")]
                ttl[CACHE_WRITE_1H if name == "1h" else f"cache_write_{name}_tokens"] = value
    write = creation
    if ttl:
        write = max(creation or 0, sum(ttl.values()))
    extras: dict[str, Any] = {k: v for k, v in ttl.items() if v}
    for name, block in (("audio_input_tokens", inputs), ("audio_output_tokens", outputs)):
        audio = reader.count(block, "audio", f"usage_metadata.*.{name}")
        if audio is not None:
            extras[name] = audio
    return assemble(
        reader,
        provider=provider,
        model=model,
        response_id=response_id,
        raw=usage,
        input_tokens=reader.count(usage, "input_tokens", "usage_metadata.input_tokens"),
        output_tokens=reader.count(usage, "output_tokens", "usage_metadata.output_tokens"),
        cache_read=_detail(inputs, "cache_read", reader, path),
        cache_write=write,
        reasoning=_detail(outputs, "reasoning", reader, "usage_metadata.output_token_details"),
        provider_total=reader.count(usage, "total_tokens", "usage_metadata.total_tokens"),
        extras=extras,
    )


def _from_llm_output(output: Mapping[str, Any], provider: str, model: str | None) -> Usage:
    model = model or text(output.get("model_name")) or text(output.get("model"))
    rid = text(output.get("id"))
    token_usage = output.get("token_usage")
    if isinstance(token_usage, Mapping):
        return openai_body({"usage": token_usage, "model": model, "id": rid}, provider)
    usage = output.get("usage")
    if isinstance(usage, Mapping):
        shaped = {"usage": usage, "model": model, "id": rid}
        if "prompt_tokens" in usage:
            return openai_body(shaped, provider)
        return anthropic_body(shaped, provider)
    problem = f"llm_output has neither token_usage nor usage (keys: {sorted(output)[:8]})"
    return not_reported(provider, model, rid, [problem])


def from_body(body: Mapping[str, Any], provider: str) -> Usage:
    """Normalize a LangChain result; see :func:`_from_body`."""
    usage = _from_body(body, provider)
    return replace(usage, provider=None) if usage.provider == _UNNAMED else usage


def _from_body(body: Mapping[str, Any], provider: str) -> Usage:
    """Normalize a LangChain ``AIMessage`` or ``LLMResult`` (as prepared by :func:`prepare`).

    Args:
        body: The message or result as a plain dict.
        provider: Provider id used when ``response_metadata["model_provider"]``
            names none.

    Returns:
        The usage of ``generations[0][0]`` (or the message), falling back to
        ``llm_output``; not reported when neither carries counts.
    """
    message: Any = body
    if body.get("type") != "ai" and body.get("type") != "AIMessageChunk":
        generations = body.get("generations")
        first = generations[0] if isinstance(generations, list) and generations else None
        entry = first[0] if isinstance(first, list) and first else None
        message = entry.get("message") if isinstance(entry, Mapping) else None
    metadata = message.get("response_metadata") if isinstance(message, Mapping) else None
    metadata = metadata if isinstance(metadata, Mapping) else {}
    named = canonical_provider(text(metadata.get("model_provider")))
    provider = named if named and provider == _UNNAMED else provider
    model = text(metadata.get("model_name")) or text(metadata.get("model"))
    rid = text(metadata.get("id"))
    usage = message.get("usage_metadata") if isinstance(message, Mapping) else None
    if isinstance(usage, Mapping):
        return from_usage_metadata(usage, provider, model, rid)
    output = body.get("llm_output")
    if isinstance(output, Mapping):
        return _from_llm_output(output, provider, model)
    return not_reported(provider, model, rid, ["LangChain result carried no usage_metadata"])


def _add(total: dict[str, Any], delta: Mapping[str, Any]) -> None:
    for key, value in delta.items():
        if isinstance(value, Mapping):
            inner = total.setdefault(key, {})
            if isinstance(inner, dict):
                _add(inner, value)
        elif as_count(value) is not None:
            total[key] = (as_count(total.get(key)) or 0) + (as_count(value) or 0)


class ChunkAccumulator:
    """Adds up ``AIMessageChunk.usage_metadata`` deltas, as LangChain's ``+`` does.

    LangChain integrations emit per-chunk deltas (langchain-google-genai converts
    Gemini's cumulative counts), so here, unlike for raw provider streams, the sum
    is the total.
    """

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._usage: dict[str, Any] | None = None
        self._metadata: dict[str, Any] = {}
        self._reader = Reader()

    def add(self, event: object) -> None:
        """Take one chunk (SDK object or dict)."""
        data = prepare(event) or as_dict(event)
        if data is None:
            self._reader.flag(f"unreadable stream chunk: {short(event)}")
            return
        metadata = data.get("response_metadata")
        if isinstance(metadata, Mapping):
            self._metadata.update({k: v for k, v in metadata.items() if v is not None})
        usage = data.get("usage_metadata")
        if isinstance(usage, Mapping):
            self._usage = self._usage or {}
            _add(self._usage, usage)

    def result(self) -> Usage:
        """The summed usage, or not reported when no chunk carried any."""
        body = {"type": "ai", "usage_metadata": self._usage, "response_metadata": self._metadata}
        return with_problems(from_body(body, self._provider), self._reader.problems)


SHAPE = Shape(
    name=SHAPE_NAME,
    default_provider=_UNNAMED,
    is_body=_is_body,
    is_event=_is_event,
    from_body=from_body,
    accumulator=ChunkAccumulator,
)
