"""OpenAI Responses API usage: bodies, terminal stream events, the real client."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest
from openai.types.responses import Response

from tessera.capture import extract_usage, stream_accumulator
from tessera.capture.openai_responses import NO_TERMINAL_EVENT


def response(usage: dict[str, Any] | None, status: str = "completed") -> dict[str, Any]:
    return {
        "id": "resp_t3ss3ra0001",
        "object": "response",
        "created_at": 1764772446,
        "status": status,
        "model": "o3-2025-04-16",
        "output": [
            {
                "type": "message",
                "id": "msg_t3ss01",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Done.", "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    }


# 5,210 input of which 4,096 cached (none written); 1,830 output of which 1,344 reasoning.
USAGE = {
    "input_tokens": 5210,
    "input_tokens_details": {"cached_tokens": 4096, "cache_write_tokens": 0},
    "output_tokens": 1830,
    "output_tokens_details": {"reasoning_tokens": 1344},
    "total_tokens": 7040,
}


@pytest.mark.parametrize("as_sdk", [False, True])
def test_body_with_cache_and_reasoning(as_sdk: bool) -> None:
    body = response(USAGE)
    payload: object = Response.model_validate(body) if as_sdk else body
    usage = extract_usage(payload)
    assert usage.provider == "openai"
    assert usage.model == "o3-2025-04-16"
    assert usage.response_id == "resp_t3ss3ra0001"
    assert usage.input_tokens == 5210  # cached tokens are inside, not added
    assert usage.cache_read_tokens == 4096
    assert usage.uncached_input_tokens == 1114  # 5210 - 4096
    assert usage.output_tokens == 1830  # reasoning inside
    assert usage.reasoning_tokens == 1344
    assert usage.total_tokens == 7040  # 5210 + 1830
    assert usage.problems == ()


def test_cache_write_and_ttl_split_go_to_extras() -> None:
    details = {
        "cached_tokens": 0,
        "cache_write_tokens": 3000,
        "cache_write_tokens_details": {"ttl_30m_tokens": 2000, "ttl_12h_tokens": 1000},
    }
    body = response({**USAGE, "input_tokens_details": details})
    usage = extract_usage(body)
    assert usage.cache_write_tokens == 3000
    assert usage.cache_read_tokens == 0
    assert usage.extras["cache_write_30m_tokens"] == 2000
    assert usage.extras["cache_write_12h_tokens"] == 1000


def test_incomplete_status_is_kept_in_extras() -> None:
    usage = extract_usage(response(USAGE, status="incomplete"))
    assert usage.extras["status"] == "incomplete"
    assert usage.output_tokens == 1830


def test_in_progress_body_without_usage_is_not_reported() -> None:
    usage = extract_usage(response(None, status="in_progress"))
    assert usage.reported is False
    assert usage.input_tokens is None
    assert "status in_progress" in usage.problems[0]


def events(terminal: str = "response.completed", usage: dict[str, Any] | None = None) -> list[Any]:
    start = response(None, status="in_progress")
    final = response(usage or USAGE, status=terminal.removeprefix("response."))
    return [
        {"type": "response.created", "sequence_number": 0, "response": start},
        {"type": "response.in_progress", "sequence_number": 1, "response": start},
        {
            "type": "response.output_text.delta",
            "sequence_number": 2,
            "item_id": "msg_t3ss01",
            "output_index": 0,
            "content_index": 0,
            "delta": "Done.",
            "logprobs": [],
        },
        {"type": terminal, "sequence_number": 3, "response": final},
    ]


@pytest.mark.parametrize("terminal", ["response.completed", "response.incomplete"])
def test_stream_reads_the_terminal_event(terminal: str) -> None:
    usage = extract_usage(events(terminal))
    assert usage.input_tokens == 5210
    assert usage.output_tokens == 1830
    assert usage.total_tokens == 7040  # one total, nothing summed over events
    assert usage.problems == ()


def test_failed_stream_with_usage_is_counted() -> None:
    # A failed response may still have been billed for what it consumed.
    partial = {"input_tokens": 900, "output_tokens": 12, "total_tokens": 912}
    usage = extract_usage(events("response.failed", partial))
    assert (usage.input_tokens, usage.output_tokens) == (900, 12)
    assert usage.extras["status"] == "failed"


def test_stream_cut_before_terminal_event_is_not_reported() -> None:
    accumulator = stream_accumulator("openai", "openai_responses")
    for event in events()[:3]:
        accumulator.add(event)
    usage = accumulator.result()
    assert usage.reported is False
    assert usage.model == "o3-2025-04-16"  # named by response.created
    assert NO_TERMINAL_EVENT in usage.problems


def _client(answer: Any) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="test-key", http_client=httpx2.Client(transport=httpx2.MockTransport(answer))
    )


def test_real_client_create_and_stream() -> None:
    sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events())

    def answer(request: httpx2.Request) -> httpx2.Response:
        if json.loads(request.content).get("stream"):
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=sse)
        return httpx2.Response(200, json=response(USAGE))

    client = _client(answer)
    plain = client.responses.create(model="o3", input="hi")
    assert extract_usage(plain).reasoning_tokens == 1344
    accumulator = stream_accumulator(None)
    for event in client.responses.create(model="o3", input="hi", stream=True):
        accumulator.add(event)
    usage = accumulator.result()
    assert usage.provider == "openai"
    assert (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens) == (5210, 4096, 1830)
