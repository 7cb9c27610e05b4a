"""Google Gemini ``usageMetadata`` (Gemini API and Vertex AI), plain and streamed.

Input is ``promptTokenCount`` (cached content included) plus
``toolUsePromptTokenCount``. Output is ``candidatesTokenCount`` plus
``thoughtsTokenCount``, unless prompt + candidates + tool-use prompt already
equals ``totalTokenCount``: then candidates already contains the thoughts.
Google's JSON follows proto3 and leaves out counts that are 0, so inside a
``usageMetadata`` block a missing count is 0; a response without the block is
not reported. Stream chunks carry cumulative totals: the last block wins.

REST bodies are camelCase; ``google-genai`` objects dump to the same camelCase
(``by_alias``), and snake_case dicts (``model_dump()`` without aliases) are read too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.capture._assemble import assemble, not_reported, with_problems
from tessera.capture._convert import Reader, short, text
from tessera.capture._shape import Shape, StreamFold
from tessera.usage import Usage

SHAPE_NAME = "gemini"

NO_STREAM_USAGE = "stream carried no usageMetadata (or broke off before it)"

# camelCase REST name -> snake_case SDK name, for every key read here.
_SNAKE = {
    "usageMetadata": "usage_metadata",
    "modelVersion": "model_version",
    "responseId": "response_id",
    "createTime": "create_time",
    "promptTokenCount": "prompt_token_count",
    "candidatesTokenCount": "candidates_token_count",
    "cachedContentTokenCount": "cached_content_token_count",
    "thoughtsTokenCount": "thoughts_token_count",
    "toolUsePromptTokenCount": "tool_use_prompt_token_count",
    "totalTokenCount": "total_token_count",
    "trafficType": "traffic_type",
}
_COUNTS = ("promptTokenCount", "candidatesTokenCount", "totalTokenCount")


def _get(block: Mapping[str, Any], key: str) -> Any:
    value = block.get(key)
    return block.get(_SNAKE[key]) if value is None else value


def _camel(block: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``block`` with the snake_case keys read here renamed to camelCase."""
    back = {snake: camel for camel, snake in _SNAKE.items()}
    return {back.get(str(key), str(key)): value for key, value in block.items()}


def _is_body(body: Mapping[str, Any]) -> bool:
    if "object" in body or "type" in body:
        return False
    return any(
        _get(body, key) is not None for key in ("usageMetadata", "modelVersion", "responseId")
    ) or isinstance(body.get("candidates"), list)


def _refine_provider(provider: str, body: Mapping[str, Any], usage: Mapping[str, Any]) -> str:
    # The same google-genai client serves both; only Vertex sends createTime and trafficType.
    vertex_only = _get(body, "createTime") is not None or _get(usage, "trafficType") is not None
    return "vertex_ai" if provider == "gemini" and vertex_only else provider


def _output(
    reader: Reader, prompt: int, candidates: int, thoughts: int, tool: int, total: int | None
) -> tuple[int, dict[str, Any]]:
    """Whole output and extras saying how it was read (the inclusive-candidates case)."""
    if thoughts and total is not None and prompt + candidates + tool == total:
        # Candidates already contains the thoughts (seen on some Vertex paths); adding
        # them again would count the thinking twice.
        return candidates, {"candidates_include_thoughts": True}
    if thoughts and total is not None and prompt + candidates + tool + thoughts != total:
        reader.flag(
            f"usageMetadata.totalTokenCount ({total}) matches neither prompt + candidates + "
            f"tool-use prompt with nor without thoughts; counted thoughts as output"
        )
    return candidates + thoughts, {}


def from_usage_metadata(
    block: Mapping[str, Any], provider: str, model: str | None, response_id: str | None
) -> Usage:
    """Normalize one ``usageMetadata`` block (camelCase or snake_case keys)."""
    reader = Reader()
    usage = _camel(block)
    if not any(usage.get(key) is not None for key in _COUNTS):
        reader.flag("usageMetadata carried no prompt, candidates or total count")
        return not_reported(provider, model, response_id, reader.problems, raw=usage)
    counts = {
        key: reader.count(usage, key, f"usageMetadata.{key}")
        for key in (
            "promptTokenCount",
            "candidatesTokenCount",
            "thoughtsTokenCount",
            "toolUsePromptTokenCount",
            "cachedContentTokenCount",
        )
    }
    total = reader.count(usage, "totalTokenCount", "usageMetadata.totalTokenCount")
    bad = reader.bad
    # proto3: a count left out is 0. A count present but unreadable stays unknown.
    prompt, candidates, thoughts, tool, cached = (
        None if f"usageMetadata.{key}" in bad else (value or 0) for key, value in counts.items()
    )
    input_tokens = None if prompt is None or tool is None else prompt + tool
    output_tokens: int | None = None
    extras: dict[str, Any] = {}
    if prompt is not None and candidates is not None and thoughts is not None and tool is not None:
        output_tokens, extras = _output(reader, prompt, candidates, thoughts, tool, total)
    if tool:
        extras["tool_use_prompt_tokens"] = tool
    traffic = text(usage.get("trafficType"))
    if traffic is not None:
        extras["traffic_type"] = traffic
    return assemble(
        reader,
        provider=provider,
        model=model,
        response_id=response_id,
        raw=usage,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read=cached,
        cache_write=None,  # explicit caches are created and billed through another API
        reasoning=thoughts,
        provider_total=total,
        extras=extras,
    )


def from_body(body: Mapping[str, Any], provider: str) -> Usage:
    """Normalize one ``GenerateContentResponse`` body (or one stream chunk).

    Args:
        body: The response as a plain dict (REST JSON, or a google-genai object dumped).
        provider: Canonical provider id; ``gemini`` becomes ``vertex_ai`` when the
            body has a Vertex-only field (``createTime``, ``usageMetadata.trafficType``).

    Returns:
        The normalized usage; not reported (with a problem) without ``usageMetadata``.
    """
    reader = Reader()
    model = text(_get(body, "modelVersion"))
    response_id = text(_get(body, "responseId"))
    usage = _get(body, "usageMetadata")
    if usage is None:
        return not_reported(provider, model, response_id, ["response has no usageMetadata"])
    if not isinstance(usage, Mapping):
        reader.flag(f"usageMetadata is not an object: {short(usage)}")
        return not_reported(provider, model, response_id, reader.problems)
    provider = _refine_provider(provider, body, usage)
    return from_usage_metadata(usage, provider, model, response_id)


class GeminiStreamAccumulator(StreamFold):
    """Folds ``streamGenerateContent`` chunks: the last ``usageMetadata`` block wins.

    Blocks are cumulative, so they are never summed, and not maxed per field
    either (Gemini 2.0's last chunk can report a lower prompt count than earlier ones).
    """

    event_name = "stream chunk"

    def __init__(self, provider: str) -> None:
        super().__init__(provider)
        self._last: dict[str, Any] | None = None
        self._create_time: object = None

    def _take(self, chunk: dict[str, Any]) -> None:
        self._model = text(_get(chunk, "modelVersion")) or self._model
        self._response_id = self._response_id or text(_get(chunk, "responseId"))
        self._create_time = self._create_time or _get(chunk, "createTime")
        usage = _get(chunk, "usageMetadata")
        if isinstance(usage, Mapping):
            self._last = dict(usage)
        elif usage is not None:
            self._reader.flag(f"stream chunk usageMetadata is not an object: {short(usage)}")

    def result(self) -> Usage:
        """The last chunk's usage, or not reported when no chunk carried any."""
        problems = list(self._reader.problems)
        if self._last is None:
            problems.append(NO_STREAM_USAGE if self._events else "stream had no chunks")
            return not_reported(self._provider, self._model, self._response_id, problems)
        body = {
            "usageMetadata": self._last,
            "modelVersion": self._model,
            "responseId": self._response_id,
            "createTime": self._create_time,
        }
        return with_problems(from_body(body, self._provider), problems)


SHAPE = Shape(
    name=SHAPE_NAME,
    default_provider="gemini",
    is_body=_is_body,
    is_event=_is_body,
    from_body=from_body,
    accumulator=GeminiStreamAccumulator,
)
