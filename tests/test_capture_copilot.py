"""GitHub Copilot: OpenAI-shaped bodies, quota headers, and counts mapped from headers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest

from tessera.capture import (
    COPILOT_QUOTA,
    clear_usage_headers,
    extract_usage,
    register_usage_headers,
    stream_accumulator,
)
from tessera.capture.copilot_quota import parse_quota_value

QUOTA_HEADERS = {
    "X-Quota-Snapshot-Chat": "ent=-1&ov=0.0&ovPerm=false&rem=100.0&rst=2025-12-01T00%3A00%3A00Z",
    "x-quota-snapshot-premium_interactions": (
        "ent=300&ov=2.5&ovPerm=true&rem=12.5&rst=2025-12-01T00%3A00%3A00Z&totRem=37"
    ),
    "x-usage-ratelimit-weekly": "rem=80.5&rst=2025-12-07T00%3A00%3A00Z",
    "content-type": "application/json",
}


def claude_body() -> dict[str, Any]:
    # Copilot's Claude: prompt_tokens 18,642 holds 16,384 cached and 1,024 written.
    return {
        "id": "t3ss-copilot-0001",
        "object": "chat.completion",
        "created": 1764772446,
        "model": "claude-sonnet-4.5",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok"},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 18642,
            "completion_tokens": 310,
            "total_tokens": 18952,
            "prompt_tokens_details": {"cached_tokens": 16384, "cache_creation_input_tokens": 1024},
        },
    }


@pytest.fixture(autouse=True)
def no_registered_headers() -> Iterator[None]:
    clear_usage_headers()
    yield
    clear_usage_headers()


def test_claude_cache_creation_inside_prompt_tokens() -> None:
    usage = extract_usage(claude_body(), provider="copilot")
    assert usage.provider == "github_copilot"
    assert usage.input_tokens == 18642  # not 18642 + 16384 (ericc-ch/copilot-api #88)
    assert usage.cache_read_tokens == 16384
    assert usage.cache_write_tokens == 1024
    assert usage.uncached_input_tokens == 1234  # 18642 - 16384 - 1024
    assert usage.total_tokens == 18952  # 18642 + 310


def test_quota_headers_become_a_structured_extra() -> None:
    usage = extract_usage(claude_body(), headers=QUOTA_HEADERS)
    assert usage.provider == "github_copilot"  # only Copilot sends these headers
    quota = usage.extras[COPILOT_QUOTA]
    assert quota["chat"] == {
        "entitlement": -1,
        "unlimited": True,
        "overage_used": 0.0,
        "overage_permitted": False,
        "percent_remaining": 100.0,
        "reset_at": "2025-12-01T00:00:00Z",
    }
    assert quota["premium_interactions"]["entitlement"] == 300
    assert quota["premium_interactions"]["overage_used"] == 2.5
    assert quota["premium_interactions"]["total_remaining"] == 37
    assert quota["ratelimit_weekly"] == {
        "percent_remaining": 80.5,
        "reset_at": "2025-12-07T00:00:00Z",
    }
    assert usage.input_tokens == 18642  # quota is not tokens


def test_odd_quota_values_are_kept_as_text() -> None:
    parsed = parse_quota_value("ent=lots&ovPerm=maybe&new=1")
    assert parsed == {"entitlement": "lots", "overage_permitted": "maybe", "new": "1"}


def test_explicit_provider_is_not_overridden_by_quota_headers() -> None:
    usage = extract_usage(claude_body(), provider="openai", headers=QUOTA_HEADERS)
    assert usage.provider == "openai"
    assert "chat" in usage.extras[COPILOT_QUOTA]


COUNT_HEADERS = {"x-usage-input-tokens": "1500", "X-Usage-Output-Tokens": "42"}
HEADER_MAP = {"x-usage-input-tokens": "input_tokens", "x-usage-output-tokens": "output_tokens"}


def no_usage_body() -> dict[str, Any]:
    body = claude_body()
    body["usage"] = None
    return body


def test_header_counts_used_when_the_body_has_none() -> None:
    usage = extract_usage(no_usage_body(), headers=COUNT_HEADERS, header_map=HEADER_MAP)
    assert usage.reported is True
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (1500, 42, 1542)
    assert usage.extras["usage_source"] == "headers"
    assert usage.problems == ()


def test_body_counts_win_over_header_counts() -> None:
    usage = extract_usage(claude_body(), headers=COUNT_HEADERS, header_map=HEADER_MAP)
    assert usage.input_tokens == 18642
    assert "usage_source" not in usage.extras


def test_registered_mapping_and_bad_header_value() -> None:
    register_usage_headers(HEADER_MAP)
    usage = extract_usage(no_usage_body(), headers={"x-usage-input-tokens": "-3"})
    assert usage.reported is False
    assert any("x-usage-input-tokens" in p for p in usage.problems)
    with pytest.raises(ValueError, match="prompt"):
        register_usage_headers({"x-a": "prompt"})


def test_stream_accumulator_applies_headers() -> None:
    chunks = [
        {"id": "t3ss-s", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4.1",
         "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34}},
    ]  # fmt: skip
    accumulator = stream_accumulator(None, "openai_chat", headers=QUOTA_HEADERS)
    for chunk in chunks:
        accumulator.add(chunk)
    usage = accumulator.result()
    assert usage.total_tokens == 34  # usage on the finish chunk (non-empty choices)
    assert usage.extras[COPILOT_QUOTA]["chat"]["unlimited"] is True


def test_real_client_headers_read_from_the_raw_response() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers=QUOTA_HEADERS, content=json.dumps(claude_body()))

    client = openai.OpenAI(
        api_key="test-key",
        base_url="https://api.githubcopilot.com",
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
    )
    raw = client.chat.completions.with_raw_response.create(
        model="claude-sonnet-4.5", messages=[{"role": "user", "content": "hi"}]
    )
    usage = extract_usage(raw.parse(), headers=raw.headers)
    assert usage.provider == "github_copilot"
    assert usage.cache_write_tokens == 1024
    assert usage.extras[COPILOT_QUOTA]["premium_interactions"]["percent_remaining"] == 12.5
