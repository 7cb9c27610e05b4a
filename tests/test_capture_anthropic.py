"""Anthropic Messages usage capture (direct and Vertex), from dicts and the real SDK types."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import (
    Message,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
)
from pydantic import BaseModel

from tessera.capture import extract_usage, stream_accumulator
from tessera.capture.anthropic_messages import INCOMPLETE_STREAM, from_body
from tessera.usage import CACHE_WRITE_1H

MODEL = "claude-sonnet-4-5-20250929"


def message(usage: dict[str, Any], msg_id: str = "msg_01T3ssEraBody") -> dict[str, Any]:
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": "Done."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


def start(usage: dict[str, Any], msg_id: str = "msg_01T3ssEraStream") -> dict[str, Any]:
    msg = message(usage, msg_id)
    msg["content"] = []
    msg["stop_reason"] = None
    return {"type": "message_start", "message": msg}


def delta(usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": usage,
    }


def body_events() -> list[dict[str, Any]]:
    return [
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 0},
    ]


_SDK_EVENT: dict[str, type[BaseModel]] = {
    "message_start": RawMessageStartEvent,
    "message_delta": RawMessageDeltaEvent,
    "message_stop": RawMessageStopEvent,
    "content_block_start": RawContentBlockStartEvent,
    "content_block_delta": RawContentBlockDeltaEvent,
    "content_block_stop": RawContentBlockStopEvent,
}


def as_sdk(events: list[dict[str, Any]]) -> list[object]:
    # The SDK has no ping type among the raw events; keep pings as dicts.
    return [
        _SDK_EVENT[e["type"]].model_validate(e) if e["type"] in _SDK_EVENT else e for e in events
    ]


# langchain #36991's usage: 1,536 written (1,024 for 5 minutes + 512 for one hour).
TTL_USAGE = {
    "input_tokens": 44,
    "cache_creation_input_tokens": 1536,
    "cache_creation": {"ephemeral_5m_input_tokens": 1024, "ephemeral_1h_input_tokens": 512},
    "cache_read_input_tokens": 12800,
    "output_tokens": 689,
    "service_tier": "standard",
}


@pytest.mark.parametrize("sdk", [False, True])
def test_ephemeral_ttl_worked_case(sdk: bool) -> None:
    body = message(TTL_USAGE)
    usage = extract_usage(Message.model_validate(body) if sdk else body)
    assert usage.provider == "anthropic"
    assert usage.model == MODEL
    assert usage.response_id == "msg_01T3ssEraBody"
    assert usage.input_tokens == 14380  # 44 + 12800 + 1536
    assert usage.cache_read_tokens == 12800
    assert usage.cache_write_tokens == 1536  # not 0 (the langchain quirk)
    assert usage.uncached_input_tokens == 44  # 14380 - 12800 - 1536
    assert usage.output_tokens == 689
    assert usage.total_tokens == 15069  # 14380 + 689
    assert usage.extras[CACHE_WRITE_1H] == 512
    assert usage.extras["cache_write_5m_tokens"] == 1024
    assert usage.cache_write_1h_tokens == 512
    assert usage.extras["service_tier"] == "standard"
    assert usage.reasoning_tokens is None  # no thinking_tokens: not reported
    assert usage.raw["input_tokens"] == 44
    assert usage.problems == ()


def test_cache_write_only_in_ttl_split_uses_its_sum() -> None:
    usage = from_body(
        message(
            {
                "input_tokens": 10,
                "output_tokens": 5,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 300,
                    "ephemeral_1h_input_tokens": 200,
                },
            }
        ),
        "anthropic",
    )
    assert usage.cache_write_tokens == 500  # 300 + 200
    assert usage.input_tokens == 510  # 10 + 0 read + 500 written
    assert usage.problems == ()


def test_cache_write_cost_case_litellm_9812() -> None:
    body = message(
        {
            "input_tokens": 40,
            "cache_creation_input_tokens": 5000,
            "cache_read_input_tokens": 0,
            "output_tokens": 200,
        }
    )
    usage = extract_usage(body)
    assert usage.input_tokens == 5040  # 40 + 5000 + 0
    assert usage.cache_write_tokens == 5000
    assert usage.cache_read_tokens == 0
    assert usage.uncached_input_tokens == 40  # 5040 - 0 - 5000, priced once each
    assert usage.total_tokens == 5240  # 5040 + 200


def test_thinking_tokens_become_reasoning() -> None:
    body = message(
        {
            "input_tokens": 30,
            "output_tokens": 800,
            "output_tokens_details": {"thinking_tokens": 650},
        }
    )
    usage = extract_usage(Message.model_validate(body))
    assert usage.output_tokens == 800  # thinking is inside output
    assert usage.reasoning_tokens == 650
    assert usage.total_tokens == 830  # 30 + 800


def test_vertex_body_by_id_prefix_genkit_5412() -> None:
    body = message(
        {
            "input_tokens": 1877,
            "cache_read_input_tokens": 3072,
            "cache_creation_input_tokens": 0,
            "output_tokens": 95,
        },
        msg_id="msg_vrtx_01T3ssEraVertex",
    )
    usage = extract_usage(Message.model_validate(body))
    assert usage.provider == "vertex_ai"
    assert usage.input_tokens == 4949  # 1877 + 3072 + 0
    assert usage.total_tokens == 5044  # 4949 + 95


def test_explicit_other_provider_is_kept() -> None:
    usage = extract_usage(message({"input_tokens": 7, "output_tokens": 3}), provider="AWS")
    assert usage.provider == "bedrock"
    assert usage.total_tokens == 10  # 7 + 3


@pytest.mark.parametrize("sdk", [False, True])
def test_stream_input_from_message_start_langchain_35509(sdk: bool) -> None:
    events = [
        start({"input_tokens": 905, "output_tokens": 1}),
        *body_events(),
        delta({"output_tokens": 11}),
        {"type": "message_stop"},
    ]
    usage = extract_usage(as_sdk(events) if sdk else events)
    assert usage.input_tokens == 905  # kept from message_start
    assert usage.output_tokens == 11  # overwrites the placeholder 1, not 1 + 11
    assert usage.total_tokens == 916  # 905 + 11
    assert usage.response_id == "msg_01T3ssEraStream"
    assert usage.model == MODEL
    assert usage.problems == ()


@pytest.mark.parametrize("sdk", [False, True])
def test_stream_cache_counts_not_doubled_langchainjs_10249(sdk: bool) -> None:
    prompt = {
        "input_tokens": 58,
        "cache_read_input_tokens": 6720,
        "cache_creation_input_tokens": 1210,
    }
    events = [
        start({**prompt, "output_tokens": 1}),
        *body_events(),
        delta({**prompt, "output_tokens": 240}),
        {"type": "message_stop"},
    ]
    usage = extract_usage(as_sdk(events) if sdk else events)
    assert usage.cache_read_tokens == 6720  # not 13,440
    assert usage.cache_write_tokens == 1210  # not 2,420
    assert usage.input_tokens == 7988  # 58 + 6720 + 1210
    assert usage.output_tokens == 240
    assert usage.total_tokens == 8228  # 7988 + 240


def test_stream_zero_input_in_delta_keeps_start_value() -> None:
    events = [
        start({"input_tokens": 905, "cache_read_input_tokens": 2048, "output_tokens": 1}),
        delta({"input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 11}),
    ]
    usage = extract_usage(events)
    assert usage.input_tokens == 2953  # 905 + 2048, the proxy's zeros ignored
    assert usage.output_tokens == 11


def test_stream_ttl_split_only_in_message_start() -> None:
    events = [start({**TTL_USAGE, "output_tokens": 1}), delta({"output_tokens": 689})]
    usage = extract_usage(as_sdk(events))
    assert usage.input_tokens == 14380  # 44 + 12800 + 1536
    assert usage.extras[CACHE_WRITE_1H] == 512
    assert usage.total_tokens == 15069  # 14380 + 689


def test_stream_ended_before_message_delta_is_flagged() -> None:
    events = [start({"input_tokens": 905, "output_tokens": 1}), *body_events()]
    usage = extract_usage(as_sdk(events))
    assert usage.reported is True
    assert usage.input_tokens == 905
    assert usage.output_tokens == 1  # only the placeholder
    assert INCOMPLETE_STREAM in usage.problems


def test_stream_without_usage_events_is_not_reported() -> None:
    usage = extract_usage(body_events())
    assert usage.reported is False
    assert usage.provider == "anthropic"
    assert any("no message_start" in p for p in usage.problems)


def test_helper_and_unknown_events_are_ignored() -> None:
    events = [
        start({"input_tokens": 20, "output_tokens": 1}),
        {"type": "text", "text": "Hi", "snapshot": "Hi"},
        {"type": "content_block", "index": 0},
        delta({"output_tokens": 6}),
    ]
    usage = extract_usage(events)
    assert usage.total_tokens == 26  # 20 + 6
    assert usage.problems == ()


def test_vertex_stream_by_id_prefix_with_accumulator() -> None:
    accumulator = stream_accumulator("anthropic", "anthropic_messages")
    events = [
        start(
            {"input_tokens": 12, "cache_read_input_tokens": 4096, "output_tokens": 1},
            "msg_vrtx_01Stream",
        ),
        delta({"output_tokens": 77}),
        {"type": "message_stop"},
    ]
    for event in as_sdk(events):
        accumulator.add(event)
    usage = accumulator.result()
    assert usage.provider == "vertex_ai"
    assert usage.input_tokens == 4108  # 12 + 4096
    assert usage.total_tokens == 4185  # 4108 + 77


def test_string_cache_count_makes_input_unknown() -> None:
    usage = extract_usage(
        message({"input_tokens": 5, "cache_read_input_tokens": "6720", "output_tokens": 9})
    )
    assert usage.input_tokens is None  # a sum with an unreadable part is unknown, not 5
    assert usage.cache_read_tokens is None
    assert usage.output_tokens == 9
    assert usage.total_tokens is None
    assert any("usage.cache_read_input_tokens" in p for p in usage.problems)


def test_ttl_split_disagreeing_with_creation_is_flagged() -> None:
    usage = extract_usage(
        message(
            {
                "input_tokens": 4,
                "output_tokens": 2,
                "cache_creation_input_tokens": 100,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 90,
                    "ephemeral_1h_input_tokens": 30,
                },
            }
        )
    )
    assert usage.cache_write_tokens == 120  # 90 + 30, the larger
    assert usage.input_tokens == 124  # 4 + 120
    assert any("differs" in p for p in usage.problems)


def test_iterations_used_when_top_level_counts_are_zero() -> None:
    usage = extract_usage(
        message(
            {
                "input_tokens": 0,
                "output_tokens": 0,
                "iterations": [
                    {"type": "compaction", "input_tokens": 3000, "output_tokens": 400},
                    {
                        "type": "message",
                        "input_tokens": 500,
                        "output_tokens": 120,
                        "cache_read_input_tokens": 64,
                    },
                ],
            }
        )
    )
    assert usage.input_tokens == 3564  # (3000 + 500) + 64 read
    assert usage.output_tokens == 520  # 400 + 120
    assert usage.cache_read_tokens == 64
    assert usage.extras["usage_from_iterations"] == 2


def test_events_parsed_by_the_real_client_from_sse() -> None:
    # The SDK builds stream events without validation; read them as a user's loop sees them.
    # anthropic 2.x runs on httpx2 (it rejects plain httpx objects).
    prompt = {
        "input_tokens": 58,
        "cache_read_input_tokens": 6720,
        "cache_creation_input_tokens": 1210,
    }
    events = [
        start({**prompt, "output_tokens": 1}),
        *body_events(),
        delta({**prompt, "output_tokens": 240}),
        {"type": "message_stop"},
    ]
    sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=sse)

    client = anthropic.Anthropic(
        api_key="test-key", http_client=httpx2.Client(transport=httpx2.MockTransport(answer))
    )
    stream = client.messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    usage = extract_usage(stream)
    assert usage.provider == "anthropic"
    assert usage.input_tokens == 7988  # 58 + 6720 + 1210
    assert usage.output_tokens == 240
    assert usage.total_tokens == 8228  # 7988 + 240
    assert usage.problems == ()
