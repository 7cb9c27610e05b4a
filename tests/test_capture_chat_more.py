"""OpenAI Chat Completions: audio details and n > 1 (one usage for all choices)."""

from __future__ import annotations

from typing import Any

from openai.types.chat import ChatCompletion

from tessera.capture import extract_usage


def body(choices: int, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-t3ssN",
        "object": "chat.completion",
        "created": 1764772446,
        "model": "gpt-4o-audio-preview-2024-12-17",
        "choices": [
            {"index": i, "message": {"role": "assistant", "content": "x"}, "finish_reason": "stop"}
            for i in range(choices)
        ],
        "usage": usage,
    }


def test_n_choices_share_one_usage() -> None:
    # Three choices, one usage block of 40 in / 90 out covering all three: not 3 × 90.
    usage_block = {"prompt_tokens": 40, "completion_tokens": 90, "total_tokens": 130}
    usage = extract_usage(ChatCompletion.model_validate(body(3, usage_block)))
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (40, 90, 130)


def test_audio_tokens_are_parts_kept_in_extras() -> None:
    usage_block = {
        "prompt_tokens": 512,
        "completion_tokens": 380,
        "total_tokens": 892,  # 512 + 380
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 300},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 340},
    }
    usage = extract_usage(body(1, usage_block))
    assert usage.input_tokens == 512  # audio is inside, not added
    assert usage.output_tokens == 380
    assert usage.extras["audio_input_tokens"] == 300
    assert usage.extras["audio_output_tokens"] == 340
