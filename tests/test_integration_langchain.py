"""TokenUsageCallback as a langchain-core callback handler, with local fake chat models."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult

from tessera.capture import extract_usage
from tessera.runtime.callback import TokenUsageCallback
from tessera.runtime.observer import Observer


@pytest.fixture
def observer(tmp_path: Path) -> Iterator[Observer]:
    obs = Observer(db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl")
    yield obs
    obs.shutdown()


def claude_message() -> AIMessage:
    # langchain #36991: 44 plain + 12,800 read + 1,536 written (1,024 5m + 512 1h) = 14,380 in;
    # langchain-anthropic reports cache_creation 0 next to the TTL split.
    return AIMessage(
        content="Done.",
        usage_metadata={
            "input_tokens": 14380,
            "output_tokens": 689,
            "total_tokens": 15069,
            "input_token_details": {
                "cache_read": 12800,
                "cache_creation": 0,
                "ephemeral_5m_input_tokens": 1024,
                "ephemeral_1h_input_tokens": 512,
            },
        },
        response_metadata={
            "model_name": "claude-sonnet-4-5-20250929",
            "model_provider": "anthropic",
            "id": "msg_t3ssLangChain01",
        },
    )


def test_is_a_real_handler_and_records_the_cache_quirk_right(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    assert isinstance(cb, BaseCallbackHandler)
    model = GenericFakeChatModel(messages=iter([claude_message()]), callbacks=[cb])
    model.invoke("hi")
    assert observer.store is not None
    (row,) = observer.store.calls()
    assert row.provider == "anthropic"
    assert row.response_model == "claude-sonnet-4-5-20250929"
    assert row.input_tokens == 14380
    assert row.cache_read_tokens == 12800
    assert row.cache_write_tokens == 1536  # max(0, 1024 + 512)
    assert row.output_tokens == 689
    assert row.total_tokens == 15069  # 14380 + 689
    assert row.extras["usage_extras"] == {
        "cache_write_1h_tokens": 512,
        "cache_write_5m_tokens": 1024,
    }
    assert (cb.calls, cb.cache_write_tokens) == (1, 1536)


def test_config_callbacks_and_async(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    second = claude_message()
    second.response_metadata["id"] = "msg_t3ssLangChain02"
    model = GenericFakeChatModel(messages=iter([claude_message(), second, claude_message()]))
    model.invoke("hi", config={"callbacks": [cb]})
    asyncio.run(model.ainvoke("hi", config={"callbacks": [cb]}))
    assert cb.calls == 2
    # A third run repeating the first provider response id is the same call seen
    # by another layer: counted once.
    model.invoke("hi", config={"callbacks": [cb]})
    assert (cb.calls, cb.prompt_tokens) == (2, 28760)  # 2 × 14380


def result(*messages: BaseMessage, llm_output: dict[str, Any] | None = None) -> LLMResult:
    return LLMResult(
        generations=[[ChatGeneration(message=m) for m in messages]], llm_output=llm_output
    )


def openai_message(rid: str) -> AIMessage:
    return AIMessage(
        content="x",
        usage_metadata={
            "input_tokens": 2006,
            "output_tokens": 300,
            "total_tokens": 2306,
            "input_token_details": {"cache_read": 1920},
            "output_token_details": {"reasoning": 128},
        },
        response_metadata={
            "model_name": "gpt-4o-2024-08-06",
            "model_provider": "openai",
            "id": rid,
        },
    )


def test_n_greater_than_one_reads_the_first_candidate_once(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    run_id = uuid.uuid4()
    # langchain-openai puts the whole response's usage on every candidate.
    both = result(openai_message("chatcmpl-n2"), openai_message("chatcmpl-n2"))
    cb.on_llm_end(both, run_id=run_id)
    cb.on_llm_end(both, run_id=run_id)  # the same run again: not recorded twice
    assert (cb.calls, cb.prompt_tokens, cb.reasoning_tokens) == (1, 2006, 128)


def test_llm_output_fallbacks(observer: Observer) -> None:
    bare = AIMessage(content="x")
    openai_style = result(
        bare,
        llm_output={
            "token_usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
            "model_name": "gpt-4o-2024-08-06",
        },
    )
    usage = extract_usage(openai_style)
    assert (usage.input_tokens, usage.output_tokens, usage.model) == (120, 30, "gpt-4o-2024-08-06")
    anthropic_style = result(
        bare,
        llm_output={
            "id": "msg_vrtx_t3ss01",
            "model": "claude-sonnet-4-5-20250929",
            "usage": {"input_tokens": 1877, "cache_read_input_tokens": 3072, "output_tokens": 9},
        },
    )
    usage = extract_usage(anthropic_style, provider="anthropic")
    assert usage.input_tokens == 4949  # 1877 + 3072 (genkit #5412)
    assert usage.provider == "vertex_ai"  # msg_vrtx_ id
    assert extract_usage(result(bare)).reported is False


class DeltaChatModel(BaseChatModel):
    """A local chat model that streams usage as per-chunk deltas, as integrations do."""

    @property
    def _llm_type(self) -> str:
        return "t3ss-delta"

    def _generate(self, messages: Any, stop: Any = None, **kwargs: Any) -> ChatResult:
        raise NotImplementedError

    def _stream(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        deltas = [
            {"input_tokens": 731, "output_tokens": 0, "total_tokens": 731},
            {"input_tokens": 0, "output_tokens": 20, "total_tokens": 20},
            {"input_tokens": 0, "output_tokens": 650, "total_tokens": 650,
             "output_token_details": {"reasoning": 612}},
        ]  # fmt: skip
        for index, delta in enumerate(deltas):
            meta = {"model_name": "gemini-2.5-pro", "model_provider": "google_genai"}
            chunk = AIMessageChunk(
                content=f"p{index}",
                usage_metadata=delta,  # type: ignore[arg-type]
                response_metadata=meta if index == 0 else {},
            )
            yield ChatGenerationChunk(message=chunk)


def test_stream_records_the_merged_deltas_once(observer: Observer) -> None:
    cb = TokenUsageCallback(observer)
    chunks = list(DeltaChatModel().stream("hi", config={"callbacks": [cb]}))
    assert len(chunks) == 4  # our 3 and the empty closing chunk langchain-core adds
    assert observer.store is not None
    (row,) = observer.store.calls()
    assert row.provider == "gemini"  # google_genai
    assert row.input_tokens == 731
    assert row.output_tokens == 670  # 0 + 20 + 650
    assert row.reasoning_tokens == 612
    assert row.total_tokens == 1401  # 731 + 670
    # The same chunks folded by extract_usage give the same numbers.
    assert extract_usage(chunks).output_tokens == 670
