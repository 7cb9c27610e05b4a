"""Gemini usageMetadata (Gemini API and Vertex AI): REST JSON, google-genai objects, streams."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import types
from google.oauth2.credentials import Credentials

from tessera.capture import extract_usage, stream_accumulator
from tessera.capture.gemini import NO_STREAM_USAGE


def body(usage: dict[str, Any] | None, **top: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": "Done."}]}, "finishReason": "STOP"}
        ],
        "modelVersion": "gemini-2.5-pro",
        "responseId": "t3ssGem1n1",
    }
    if usage is not None:
        result["usageMetadata"] = usage
    result.update(top)
    return result


# 10,452 prompt (8,192 of it cached), 388 answer + 1,074 thoughts (mozilla-ai/any-llm #1290).
THINKING = {
    "promptTokenCount": 10452,
    "cachedContentTokenCount": 8192,
    "candidatesTokenCount": 388,
    "thoughtsTokenCount": 1074,
    "totalTokenCount": 11914,  # 10452 + 388 + 1074
}


@pytest.mark.parametrize("as_sdk", [False, True])
def test_thoughts_are_output_and_cache_is_inside_prompt(as_sdk: bool) -> None:
    payload: object = body(THINKING)
    if as_sdk:
        payload = types.GenerateContentResponse.model_validate(payload)
    usage = extract_usage(payload)
    assert usage.provider == "gemini"
    assert usage.model == "gemini-2.5-pro"
    assert usage.response_id == "t3ssGem1n1"
    assert usage.input_tokens == 10452
    assert usage.cache_read_tokens == 8192
    assert usage.cache_write_tokens is None  # Gemini never reports cache writes
    assert usage.output_tokens == 1462  # 388 + 1074
    assert usage.reasoning_tokens == 1074
    assert usage.total_tokens == 11914  # 10452 + 1462, equal to the reported total
    assert usage.problems == ()


def test_snake_case_dump_reads_the_same() -> None:
    sdk = types.GenerateContentResponse.model_validate(body(THINKING))
    usage = extract_usage(sdk.model_dump())
    assert (usage.input_tokens, usage.output_tokens) == (10452, 1462)


def test_inclusive_candidates_are_not_added_twice() -> None:
    # prompt 731 + candidates 670 == total 1401: candidates already holds the 612 thoughts.
    meta = {
        "promptTokenCount": 731,
        "candidatesTokenCount": 670,
        "thoughtsTokenCount": 612,
        "totalTokenCount": 1401,
    }
    usage = extract_usage(body(meta))
    assert usage.output_tokens == 670
    assert usage.reasoning_tokens == 612
    assert usage.total_tokens == 1401
    assert usage.extras["candidates_include_thoughts"] is True


def test_tool_use_prompt_tokens_are_input() -> None:
    meta = {
        "promptTokenCount": 1200,
        "toolUsePromptTokenCount": 300,
        "candidatesTokenCount": 80,
        "totalTokenCount": 1580,  # 1200 + 300 + 80
    }
    usage = extract_usage(body(meta))
    assert usage.input_tokens == 1500  # 1200 + 300
    assert usage.output_tokens == 80
    assert usage.extras["tool_use_prompt_tokens"] == 300


def test_proto3_missing_counts_inside_the_block_are_zero() -> None:
    usage = extract_usage(body({"promptTokenCount": 12, "totalTokenCount": 12}))
    assert usage.reported is True
    assert usage.output_tokens == 0  # candidates and thoughts left out because they were 0
    assert usage.cache_read_tokens == 0
    assert usage.reasoning_tokens == 0


def test_no_usage_metadata_is_not_reported() -> None:
    usage = extract_usage(body(None))
    assert usage.reported is False
    assert usage.input_tokens is None
    assert usage.model == "gemini-2.5-pro"


def test_vertex_inferred_from_vertex_only_fields_and_explicit_kept() -> None:
    vertex = body({**THINKING, "trafficType": "ON_DEMAND"}, createTime="2025-12-01T10:00:00Z")
    assert extract_usage(vertex).provider == "vertex_ai"
    assert extract_usage(vertex).extras["traffic_type"] == "ON_DEMAND"
    assert extract_usage(body(THINKING), provider="vertex").provider == "vertex_ai"
    assert extract_usage(body(THINKING)).provider == "gemini"


def stream_chunks() -> list[dict[str, Any]]:
    # Cumulative blocks (langchainjs #10159): summing them would give 2,193 prompt tokens.
    return [
        body({"promptTokenCount": 731, "totalTokenCount": 731}),
        body({"promptTokenCount": 731, "candidatesTokenCount": 20, "totalTokenCount": 1363,
              "thoughtsTokenCount": 612}),
        body({"promptTokenCount": 731, "candidatesTokenCount": 58, "thoughtsTokenCount": 612,
              "totalTokenCount": 1401}),
    ]  # fmt: skip


def test_stream_takes_the_last_block() -> None:
    usage = extract_usage(stream_chunks())
    assert usage.input_tokens == 731
    assert usage.output_tokens == 670  # 58 + 612
    assert usage.total_tokens == 1401  # 731 + 670
    assert usage.problems == ()


def test_stream_last_block_wins_even_when_lower() -> None:
    chunks = stream_chunks()
    chunks[-1]["usageMetadata"]["promptTokenCount"] = 700  # Gemini 2.0 can lower it at the end
    chunks[-1]["usageMetadata"]["totalTokenCount"] = 1370  # 700 + 58 + 612
    assert extract_usage(chunks).input_tokens == 700


def test_stream_without_usage_is_not_reported() -> None:
    accumulator = stream_accumulator("gemini", "gemini")
    accumulator.add(body(None))
    usage = accumulator.result()
    assert usage.reported is False
    assert NO_STREAM_USAGE in usage.problems


def _answer(request: httpx.Request) -> httpx.Response:
    if "streamGenerateContent" in request.url.path:
        sse = "".join(f"data: {json.dumps(c)}\n\n" for c in stream_chunks())
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=sse)
    return httpx.Response(200, json=body(THINKING))


@pytest.mark.parametrize("vertex", [False, True])
def test_real_client_plain_and_stream(vertex: bool) -> None:
    options = types.HttpOptions(httpx_client=httpx.Client(transport=httpx.MockTransport(_answer)))
    if vertex:
        client = genai.Client(
            vertexai=True,
            project="t3ss-project",
            location="us-central1",
            credentials=Credentials(token="test-token"),
            http_options=options,
        )
    else:
        client = genai.Client(api_key="test-key", http_options=options)
    provider = "vertex_ai" if vertex else None
    plain = client.models.generate_content(model="gemini-2.5-pro", contents="hi")
    usage = extract_usage(plain, provider=provider)
    assert (usage.input_tokens, usage.output_tokens) == (10452, 1462)
    accumulator = stream_accumulator(provider)
    for chunk in client.models.generate_content_stream(model="gemini-2.5-pro", contents="hi"):
        accumulator.add(chunk)
    streamed = accumulator.result()
    assert streamed.provider == ("vertex_ai" if vertex else "gemini")
    assert (streamed.input_tokens, streamed.output_tokens) == (731, 670)
