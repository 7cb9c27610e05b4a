"""OpenAI Chat Completions usage capture, from dicts and from the real SDK types."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from tessera.capture import extract_usage, stream_accumulator
from tessera.capture.openai_chat import from_body


def completion(usage: dict[str, Any] | None, **top: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-T3ss3ra0001",
        "object": "chat.completion",
        "created": 1764772446,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Done.", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "system_fingerprint": "fp_t3ss",
        "usage": usage,
    }
    body.update(top)
    return body


def chunk(
    content: str | None = None,
    *,
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
    empty_choices: bool = False,
    chunk_id: str = "chatcmpl-T3ssStream01",
    model: str = "gpt-4o-mini-2024-07-18",
) -> dict[str, Any]:
    choices = (
        []
        if empty_choices
        else [
            {"index": 0, "delta": {"content": content}, "finish_reason": finish, "logprobs": None}
        ]
    )
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": 1764772500,
        "model": model,
        "choices": choices,
        "usage": usage,
    }


# OpenAI's documented caching example: 2,006 prompt tokens, 1,920 of them cached.
CACHED_USAGE = {
    "prompt_tokens": 2006,
    "completion_tokens": 300,
    "total_tokens": 2306,
    "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 128,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}


@pytest.mark.parametrize("as_sdk", [False, True])
def test_cached_prompt_worked_case(as_sdk: bool) -> None:
    body = completion(CACHED_USAGE)
    payload: object = ChatCompletion.model_validate(body) if as_sdk else body
    usage = extract_usage(payload)
    assert usage.provider == "openai"
    assert usage.model == "gpt-4o-2024-08-06"
    assert usage.response_id == "chatcmpl-T3ss3ra0001"
    assert usage.reported is True
    assert usage.input_tokens == 2006  # prompt_tokens already includes the cached part
    assert usage.cache_read_tokens == 1920
    assert usage.uncached_input_tokens == 86  # 2006 - 1920
    assert usage.cache_write_tokens is None  # not reported, not 0
    assert usage.output_tokens == 300
    assert usage.reasoning_tokens == 128  # a part of the 300, not added to it
    assert usage.total_tokens == 2306  # 2006 + 300
    assert usage.raw["prompt_tokens_details"]["cached_tokens"] == 1920
    assert usage.problems == ()


def test_details_go_to_cache_write_and_extras() -> None:
    usage_block = {
        "prompt_tokens": 5000,
        "completion_tokens": 900,
        "total_tokens": 5900,
        "prompt_tokens_details": {
            "cached_tokens": 2048,
            "cache_write_tokens": 1536,
            "audio_tokens": 40,
        },
        "completion_tokens_details": {
            "reasoning_tokens": 512,
            "audio_tokens": 60,
            "accepted_prediction_tokens": 25,
            "rejected_prediction_tokens": 7,
        },
    }
    sdk = ChatCompletion.model_validate(completion(usage_block, service_tier="flex"))
    usage = extract_usage(sdk)
    assert usage.cache_write_tokens == 1536
    assert usage.uncached_input_tokens == 1416  # 5000 - 2048 - 1536
    assert usage.total_tokens == 5900  # 5000 + 900
    assert usage.extras == {
        "audio_input_tokens": 40,
        "audio_output_tokens": 60,
        "accepted_prediction_tokens": 25,
        "rejected_prediction_tokens": 7,
        "service_tier": "flex",
    }


def test_copilot_claude_cache_creation_inside_prompt_details() -> None:
    # Copilot's Claude models name cache writes cache_creation_input_tokens; prompt_tokens
    # contains cached and written tokens (usage-fields §6).
    body = completion(
        {
            "prompt_tokens": 18642,
            "completion_tokens": 410,
            "total_tokens": 19052,
            "prompt_tokens_details": {"cached_tokens": 16384, "cache_creation_input_tokens": 1200},
        },
        model="claude-sonnet-4.5",
    )
    usage = extract_usage(body, provider="GitHub-Copilot")
    assert usage.provider == "github_copilot"
    assert usage.input_tokens == 18642
    assert usage.cache_read_tokens == 16384
    assert usage.cache_write_tokens == 1200
    assert usage.uncached_input_tokens == 1058  # 18642 - 16384 - 1200


def test_disagreeing_provider_total_is_kept_in_raw_and_flagged() -> None:
    usage = from_body(
        completion({"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 999}), "openai"
    )
    assert usage.total_tokens == 120  # 100 + 20, ours wins
    assert usage.raw["total_tokens"] == 999
    assert any("999" in p and "120" in p for p in usage.problems)


def test_part_larger_than_whole_is_flagged_and_dropped() -> None:
    body = completion(
        {
            "prompt_tokens": 1000,
            "completion_tokens": 50,
            "total_tokens": 1050,
            "prompt_tokens_details": {"cached_tokens": 1280},
            "completion_tokens_details": {"reasoning_tokens": 64},
        }
    )
    usage = extract_usage(body)
    assert usage.input_tokens == 1000
    assert usage.cache_read_tokens is None  # 1280 > 1000 cannot be a part of it
    assert usage.uncached_input_tokens == 1000  # never negative
    assert usage.reasoning_tokens is None  # 64 > 50
    assert any("cache_read_tokens (1280)" in p for p in usage.problems)
    assert any("reasoning_tokens (64)" in p for p in usage.problems)


def test_null_and_string_counts() -> None:
    body = completion({"prompt_tokens": "120", "completion_tokens": None, "total_tokens": 150})
    usage = extract_usage(body)
    assert usage.input_tokens is None
    assert usage.output_tokens is None
    assert usage.total_tokens is None
    assert usage.reported is False  # neither side could be read
    assert any("usage.prompt_tokens" in p and "'120'" in p for p in usage.problems)
    # None is "not reported", not a malformed value: no problem names it.
    assert not any("completion_tokens" in p for p in usage.problems)


def test_bool_is_not_a_count_and_integral_float_is() -> None:
    body = completion({"prompt_tokens": 12.0, "completion_tokens": True, "total_tokens": 13})
    usage = extract_usage(body)
    assert usage.input_tokens == 12
    assert usage.output_tokens is None
    assert usage.reported is True
    assert any("usage.completion_tokens" in p and "True" in p for p in usage.problems)


def test_body_without_usage_is_not_reported() -> None:
    usage = extract_usage(completion(None))
    assert usage.reported is False
    assert usage.input_tokens is None
    assert usage.model == "gpt-4o-2024-08-06"
    assert usage.problems == ("response has no usage object",)


def stream_chunks() -> list[dict[str, Any]]:
    return [
        # Azure-style first chunk: empty choices, empty id and model, no usage.
        chunk(empty_choices=True, chunk_id="", model=""),
        chunk("Hel"),
        chunk("lo"),
        chunk(None, finish="stop"),
        chunk(
            empty_choices=True,
            usage={
                "prompt_tokens": 1460,
                "completion_tokens": 37,
                "total_tokens": 1497,
                "prompt_tokens_details": {"cached_tokens": 1152},
            },
        ),
    ]


@pytest.mark.parametrize("as_sdk", [False, True])
def test_stream_with_include_usage(as_sdk: bool) -> None:
    chunks = stream_chunks()
    payload = [ChatCompletionChunk.model_validate(c) for c in chunks] if as_sdk else chunks
    usage = extract_usage(payload)
    assert usage.provider == "openai"
    assert usage.model == "gpt-4o-mini-2024-07-18"
    assert usage.response_id == "chatcmpl-T3ssStream01"
    assert usage.input_tokens == 1460
    assert usage.cache_read_tokens == 1152
    assert usage.output_tokens == 37
    assert usage.total_tokens == 1497  # 1460 + 37, one total, not a sum over chunks
    assert usage.problems == ()


def test_stream_keeps_last_usage_even_on_a_finish_chunk() -> None:
    # Some compatible servers put usage on the finish chunk and again later.
    early = {"prompt_tokens": 300, "completion_tokens": 4, "total_tokens": 304}
    final = {"prompt_tokens": 300, "completion_tokens": 21, "total_tokens": 321}
    chunks = [
        chunk("a"),
        chunk(None, finish="stop", usage=early),
        chunk(empty_choices=True, usage=final),
    ]
    usage = extract_usage(iter(chunks), provider="copilot")
    assert usage.provider == "github_copilot"
    assert usage.output_tokens == 21  # the last one, never 4 + 21
    assert usage.total_tokens == 321  # 300 + 21


def test_stream_without_usage_is_not_reported() -> None:
    chunks = [ChatCompletionChunk.model_validate(c) for c in stream_chunks()[:-1]]
    usage = extract_usage(chunks)
    assert usage.reported is False
    assert usage.input_tokens is None and usage.output_tokens is None
    assert usage.model == "gpt-4o-mini-2024-07-18"
    assert any("include_usage" in p for p in usage.problems)


def test_stream_accumulator_fed_one_by_one() -> None:
    accumulator = stream_accumulator("openai", "openai_chat")
    for c in stream_chunks():
        accumulator.add(ChatCompletionChunk.model_validate(c))
    usage = accumulator.result()
    assert usage.input_tokens == 1460
    assert usage.output_tokens == 37
    assert usage.total_tokens == 1497  # 1460 + 37


def test_broken_generator_keeps_what_arrived_and_flags_the_break() -> None:
    def broken() -> Iterator[dict[str, Any]]:
        yield chunk("partial")
        raise ConnectionError("peer closed connection")

    usage = extract_usage(broken())
    assert usage.reported is False
    assert any("ConnectionError" in p for p in usage.problems)
    assert any("include_usage" in p for p in usage.problems)


def test_unknown_shape_is_not_reported_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tessera"):
        usage = extract_usage({"id": "x-1", "result": "ok"}, provider="mistral")
    assert usage.reported is False
    assert usage.provider == "mistral"
    assert usage.response_id == "x-1"
    assert any("unrecognized response shape" in p for p in usage.problems)
    assert any("unrecognized response shape" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("payload", [None, "not a response", b"{}", 42, object()])
def test_unreadable_payloads_never_raise(payload: object) -> None:
    usage = extract_usage(payload)
    assert usage.reported is False
    assert len(usage.problems) == 1


def test_unknown_stream_shape_name_falls_back_to_detection() -> None:
    accumulator = stream_accumulator(None, "openai_responses_typo")
    for c in stream_chunks():
        accumulator.add(c)
    usage = accumulator.result()
    assert usage.input_tokens == 1460  # still read, through detection
    assert any("openai_responses_typo" in p for p in usage.problems)


def test_chunks_parsed_by_the_real_client_from_sse() -> None:
    # The SDK builds chunks without validation; read them as a user's loop sees them.
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in stream_chunks()) + "data: [DONE]\n\n"

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=sse)

    client = openai.OpenAI(
        api_key="test-key", http_client=httpx2.Client(transport=httpx2.MockTransport(answer))
    )
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    accumulator = stream_accumulator("openai", "openai_chat")
    for event in stream:
        accumulator.add(event)
    usage = accumulator.result()
    assert usage.input_tokens == 1460
    assert usage.cache_read_tokens == 1152
    assert usage.total_tokens == 1497  # 1460 + 37
    assert usage.problems == ()
