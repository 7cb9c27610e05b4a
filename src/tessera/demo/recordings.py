"""The demo's recorded-format responses.

Each function builds one provider response in the exact wire format its API
uses (JSON bodies, or server-sent events for streams), with the demo's own ids
and token counts. The numbers are chosen so every cost can be checked by hand;
``tests/test_demo.py`` does that arithmetic.
"""

from __future__ import annotations

import json
from typing import Any

CREATED = 1764777600  # 2025-12-03T16:00:00Z, a fixed "created" stamp for OpenAI bodies


def openai_chat(
    model: str,
    text: str,
    prompt: int,
    completion: int,
    *,
    cached: int = 0,
    reasoning: int = 0,
    response_id: str,
) -> dict[str, Any]:
    """A Chat Completions body (``object: chat.completion``)."""
    return {
        "id": response_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "system_fingerprint": "fp_demo01",
    }


def openai_chat_stream(
    model: str, text: str, prompt: int, completion: int, *, cached: int = 0, response_id: str
) -> bytes:
    """A Chat Completions stream requested with ``stream_options.include_usage``.

    Content chunks carry ``usage: null``; the last chunk before ``[DONE]`` has
    empty ``choices`` and the usage of the whole request.
    """

    def chunk(choices: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "id": response_id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "system_fingerprint": "fp_demo01",
            "choices": choices,
            "usage": usage,
        }

    pieces = [text[i : i + 24] for i in range(0, len(text), 24)]
    events = [
        chunk(
            [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
            None,
        )
    ]
    events += [
        chunk([{"index": 0, "delta": {"content": p}, "finish_reason": None}], None) for p in pieces
    ]
    events.append(chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}], None))
    events.append(
        chunk(
            [],
            {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
        )
    )
    lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


def anthropic_usage(
    uncached: int,
    output: int,
    *,
    cache_read: int = 0,
    cache_write_5m: int = 0,
    cache_write_1h: int = 0,
) -> dict[str, Any]:
    """An Anthropic ``usage`` block: ``input_tokens`` excludes both cache counts."""
    return {
        "input_tokens": uncached,
        "output_tokens": output,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cache_write_5m + cache_write_1h,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache_write_5m,
            "ephemeral_1h_input_tokens": cache_write_1h,
        },
        "service_tier": "standard",
    }


def anthropic_message(
    model: str, text: str, usage: dict[str, Any], *, message_id: str
) -> dict[str, Any]:
    """A Messages API body (``type: message``)."""
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


def anthropic_stream(model: str, text: str, usage: dict[str, Any], *, message_id: str) -> bytes:
    """A Messages stream: ``message_start`` holds input and cache counts and a
    placeholder output of 1; ``message_delta`` holds the cumulative totals."""
    start_usage = {**usage, "output_tokens": 1}
    start = anthropic_message(model, "", start_usage, message_id=message_id)
    start["content"] = []
    start["stop_reason"] = None
    delta_usage = {
        "output_tokens": usage["output_tokens"],
        "input_tokens": usage["input_tokens"],
        "cache_read_input_tokens": usage["cache_read_input_tokens"],
        "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
    }
    pieces = [text[i : i + 24] for i in range(0, len(text), 24)]
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    events += [
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
        )
        for p in pieces
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": delta_usage,
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(body)}\n\n" for name, body in events).encode()


def anthropic_overloaded() -> dict[str, Any]:
    """The error body Anthropic sends with HTTP 529 when it is overloaded."""
    return {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def openai_response(
    model: str,
    text: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cached: int = 0,
    reasoning: int = 0,
    response_id: str,
    status: str = "completed",
) -> dict[str, Any]:
    """A Responses API body (``object: response``); counts as OpenAI reports them."""
    return {
        "id": response_id,
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "model": model,
        "output": [
            {
                "type": "message",
                "id": f"msg_{response_id.removeprefix('resp_')}",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": input_tokens + output_tokens,
        },
    }


def openai_response_stream(
    model: str,
    text: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cached: int = 0,
    reasoning: int = 0,
    response_id: str,
) -> bytes:
    """A Responses API stream: only the terminal ``response.completed`` event has usage."""
    final = openai_response(
        model,
        text,
        input_tokens,
        output_tokens,
        cached=cached,
        reasoning=reasoning,
        response_id=response_id,
    )
    start = {**final, "status": "in_progress", "output": [], "usage": None}
    item = final["output"][0]["id"]
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
    ]
    events += [
        {
            "type": "response.output_text.delta",
            "item_id": item,
            "output_index": 0,
            "content_index": 0,
            "delta": text[i : i + 24],
            "logprobs": [],
        }
        for i in range(0, len(text), 24)
    ]
    events.append({"type": "response.completed", "response": final})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
