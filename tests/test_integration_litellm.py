"""TokenUsageCallback with the real litellm package, answered by a local transport."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # never fetch the cost map

import httpx2
import litellm
import openai
import pytest

from tessera.runtime.callback import TokenUsageCallback
from tessera.runtime.observer import Observer
from tessera.store.results import CallRow

# litellm's own TypedDicts trip a pydantic notice when first validated; not ours to fix.
# litellm's streaming reads a pydantic attribute pydantic deprecates; not ours either.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Items? .* the `ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince211"),
]

MESSAGES = [{"role": "user", "content": "hi"}]
# 2,006 prompt tokens, 1,920 of them cached; 300 completion, 128 of them reasoning.
USAGE = {
    "prompt_tokens": 2006,
    "completion_tokens": 300,
    "total_tokens": 2306,
    "prompt_tokens_details": {"cached_tokens": 1920},
    "completion_tokens_details": {"reasoning_tokens": 128},
}


def completion_body() -> dict[str, Any]:
    return {
        "id": "chatcmpl-t3ssL1teLLM",
        "object": "chat.completion",
        "created": 1764772446,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
        "usage": USAGE,
    }


def sse(with_usage: bool) -> str:
    base = {"id": "chatcmpl-t3ssStream", "object": "chat.completion.chunk", "created": 1,
            "model": "gpt-4o-2024-08-06"}  # fmt: skip
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "ok"},
                              "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]  # fmt: skip
    if with_usage:
        chunks.append({**base, "choices": [], "usage": USAGE})
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


def answer(request: httpx2.Request) -> httpx2.Response:
    sent = json.loads(request.content)
    if sent.get("stream"):
        with_usage = bool((sent.get("stream_options") or {}).get("include_usage"))
        text = sse(with_usage)
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=text)
    return httpx2.Response(200, json=completion_body())


def local_client(base_url: str | None = None) -> openai.OpenAI:
    http = httpx2.Client(transport=httpx2.MockTransport(answer))
    return openai.OpenAI(api_key="test-key", base_url=base_url, http_client=http)


@pytest.fixture
def observer(tmp_path: Path) -> Iterator[Observer]:
    obs = Observer(db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl")
    yield obs
    obs.shutdown()


@pytest.fixture(autouse=True)
def clean_litellm() -> Iterator[None]:
    yield
    litellm.callbacks = []
    litellm.success_callback = []
    litellm.failure_callback = []
    litellm._async_success_callback = []
    litellm._async_failure_callback = []
    litellm.cache = None


def wait_for(cb: TokenUsageCallback, calls: int) -> None:
    # LiteLLM runs sync success callbacks on a worker thread after the call returns.
    deadline = time.monotonic() + 5
    while cb.calls < calls and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # long enough for a wrongly duplicated record to show up


def rows(observer: Observer) -> list[CallRow]:
    assert observer.store is not None
    return observer.store.calls()


def test_callbacks_list_records_exact_usage_once(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    litellm.callbacks = [cb]
    litellm.completion(model="openai/gpt-4o", messages=MESSAGES, client=local_client())
    wait_for(cb, 1)
    (row,) = rows(observer)
    assert row.provider == "openai"
    assert row.request_model == "gpt-4o"
    assert row.response_model == "gpt-4o-2024-08-06"  # served model, from the response
    assert (row.input_tokens, row.cache_read_tokens) == (2006, 1920)
    assert (row.output_tokens, row.reasoning_tokens) == (300, 128)
    assert row.total_tokens == 2306  # 2006 + 300
    assert "estimated_fields" not in row.extras
    assert (cb.calls, cb.prompt_tokens, cb.cache_read_tokens) == (1, 2006, 1920)


def test_success_callback_stream_with_include_usage_is_exact(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    litellm.success_callback = [cb]
    stream = litellm.completion(
        model="openai/gpt-4o",
        messages=MESSAGES,
        client=local_client(),
        stream=True,
        stream_options={"include_usage": True},
    )
    for _ in stream:
        pass
    wait_for(cb, 1)
    (row,) = rows(observer)  # one record, not one per chunk
    assert row.stream is True
    assert (row.input_tokens, row.output_tokens, row.cache_read_tokens) == (2006, 300, 1920)
    assert "estimated_fields" not in row.extras


def test_openai_stream_gets_include_usage_from_litellm(observer: Observer) -> None:
    # LiteLLM adds stream_options.include_usage itself for OpenAI's own API base.
    cb = TokenUsageCallback(observer)
    litellm.callbacks = [cb]
    for _ in litellm.completion(
        model="openai/gpt-4o", messages=MESSAGES, client=local_client(), stream=True
    ):
        pass
    wait_for(cb, 1)
    (row,) = rows(observer)
    assert (row.input_tokens, row.output_tokens) == (2006, 300)
    assert "estimated_fields" not in row.extras


def test_stream_without_usage_chunk_is_marked_estimated(observer: Observer) -> None:
    # A custom OpenAI-compatible base: LiteLLM does not ask for usage, the server sends none.
    cb = TokenUsageCallback(observer)
    litellm.callbacks = [cb]
    for _ in litellm.completion(
        model="openai/gpt-4o",
        messages=MESSAGES,
        client=local_client("https://proxy.t3ss.internal/v1"),
        api_base="https://proxy.t3ss.internal/v1",
        stream=True,
    ):
        pass
    wait_for(cb, 1)
    (row,) = rows(observer)
    # LiteLLM tokenized the text itself: the counts exist but are not the provider's.
    assert row.extras["estimated_fields"] == ["input_tokens", "output_tokens", "total_tokens"]
    assert row.input_tokens is not None and row.input_tokens != 2006


def test_async_through_callbacks_and_success_callback(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    litellm.callbacks = [cb]

    async def run() -> None:
        await litellm.acompletion(
            model="anthropic/claude-sonnet-4-5", messages=MESSAGES, mock_response="Hello"
        )
        await asyncio.sleep(0.2)

    asyncio.run(run())
    wait_for(cb, 1)
    litellm.callbacks = []
    litellm.success_callback = [cb, cb.async_log_success_event]
    asyncio.run(run())
    wait_for(cb, 2)
    found = rows(observer)
    assert [r.provider for r in found] == ["anthropic", "anthropic"]  # custom_llm_provider
    assert cb.calls == 2


def test_cache_hit_is_not_a_provider_call(observer: Observer) -> None:
    # LiteLLM's response cache needs its proxy extras installed; its callback
    # arguments for a hit are what matters here: cache_hit=True with the old usage.
    cb = TokenUsageCallback(observer)
    response = litellm.ModelResponse(**completion_body())
    kwargs = {"litellm_call_id": "t3ss-hit", "custom_llm_provider": "openai", "model": "gpt-4o"}
    cb.log_success_event({**kwargs, "cache_hit": True}, response, None, None)
    assert rows(observer) == []
    assert (cb.calls, cb.cache_hits, cb.prompt_tokens) == (0, 1, 0)


def test_failure_is_recorded_as_failed(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    litellm.callbacks = [cb]
    with pytest.raises(Exception, match="boom"):
        litellm.completion(model="gpt-4o", messages=MESSAGES, mock_response=Exception("boom"))
    wait_for(cb, 1)
    (row,) = rows(observer)
    assert row.status == "error"
    assert row.usage_reported is False
    assert cb.failed_calls == 1


def test_direct_calls_read_hidden_provider_and_skip_chunks(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    kwargs = {"litellm_call_id": "t3ss-1", "custom_llm_provider": "vertex_ai", "model": "gemini",
              "stream": True}  # fmt: skip
    cb(kwargs, object(), None, None)  # a chunk: no assembled response yet
    assert cb.calls == 0
    response = litellm.ModelResponse(**completion_body())
    cb({**kwargs, "complete_streaming_response": response}, response, None, None)
    cb({**kwargs, "complete_streaming_response": response}, response, None, None)
    (row,) = rows(observer)  # one per litellm_call_id
    assert row.provider == "vertex_ai"
    assert "estimated_fields" not in row.extras  # Vertex streams always report usage
