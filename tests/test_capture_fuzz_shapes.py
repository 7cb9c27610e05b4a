"""Property tests for the Responses, Gemini, LangChain and header shapes."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tessera.capture import extract_usage, stream_accumulator
from tessera.capture.copilot_quota import parse_quota_headers
from test_capture_fuzz import FUZZ, check_invariants, flagged, is_count, json_like, values

responses_usage = st.fixed_dictionaries(
    {},
    optional={
        "input_tokens": values,
        "output_tokens": values,
        "total_tokens": values,
        "input_tokens_details": st.one_of(
            values,
            st.fixed_dictionaries(
                {},
                optional={
                    "cached_tokens": values,
                    "cache_write_tokens": values,
                    "cache_write_tokens_details": st.one_of(
                        values, st.fixed_dictionaries({}, optional={"ttl_30m_tokens": values})
                    ),
                },
            ),
        ),
        "output_tokens_details": st.one_of(
            values, st.fixed_dictionaries({}, optional={"reasoning_tokens": values})
        ),
    },
)
gemini_usage = st.fixed_dictionaries(
    {},
    optional={
        key: values
        for key in (
            "promptTokenCount",
            "candidatesTokenCount",
            "thoughtsTokenCount",
            "toolUsePromptTokenCount",
            "cachedContentTokenCount",
            "totalTokenCount",
            "trafficType",
        )
    },
)
langchain_usage = st.fixed_dictionaries(
    {},
    optional={
        "input_tokens": values,
        "output_tokens": values,
        "total_tokens": values,
        "input_token_details": st.one_of(
            values,
            st.fixed_dictionaries(
                {},
                optional={
                    "cache_read": values,
                    "cache_creation": values,
                    "ephemeral_5m_input_tokens": values,
                },
            ),
        ),
        "output_token_details": st.one_of(
            values, st.fixed_dictionaries({}, optional={"reasoning": values})
        ),
    },
)


@FUZZ
@given(usage_block=st.one_of(responses_usage, values))
def test_responses_bodies(usage_block: Any) -> None:
    body = {"id": "resp_f", "object": "response", "model": "o3", "usage": usage_block}
    usage = extract_usage(body)
    check_invariants(usage)
    if isinstance(usage_block, dict):
        for key in ("input_tokens", "output_tokens"):
            value = usage_block.get(key)
            if value is not None and not is_count(value):
                assert flagged(usage, f"usage.{key}")


@FUZZ
@given(block=st.one_of(gemini_usage, values), vertex=st.booleans())
def test_gemini_bodies(block: Any, vertex: bool) -> None:
    body: dict[str, Any] = {"modelVersion": "gemini-2.5-pro", "usageMetadata": block}
    if vertex:
        body["createTime"] = "2025-12-01T00:00:00Z"
    usage = extract_usage(body)
    check_invariants(usage)
    if isinstance(block, dict):
        prompt = block.get("promptTokenCount")
        if prompt is not None and not is_count(prompt):
            assert flagged(usage, "usageMetadata.promptTokenCount")
            assert usage.input_tokens is None  # unknown, never a made-up 0


@FUZZ
@given(block=st.one_of(langchain_usage, values))
def test_langchain_messages(block: Any) -> None:
    usage = extract_usage({"type": "ai", "usage_metadata": block, "response_metadata": {}})
    check_invariants(usage)


terminal = st.builds(
    lambda kind, u: {"type": kind, "response": {"id": "r", "model": "m", "usage": u}},
    st.sampled_from(["response.completed", "response.incomplete", "response.failed"]),
    st.one_of(responses_usage, values),
)
gemini_chunk = st.builds(lambda u: {"modelVersion": "g", "usageMetadata": u}, gemini_usage)
events = st.lists(st.one_of(terminal, gemini_chunk, json_like), max_size=8)


@FUZZ
@given(
    stream=events,
    cut=st.integers(min_value=0, max_value=8),
    shape=st.sampled_from(["openai_responses", "gemini", "langchain", "auto"]),
)
def test_new_streams_truncated(stream: list[Any], cut: int, shape: str) -> None:
    accumulator = stream_accumulator(None, shape)
    for event in stream[:cut]:
        accumulator.add(event)
    check_invariants(accumulator.result())


header_values = st.one_of(st.text(max_size=30), st.sampled_from(["ent=-1&rem=nan", "rst=%ZZ"]))


@FUZZ
@given(
    headers=st.dictionaries(
        st.one_of(
            st.sampled_from(
                ["x-quota-snapshot-chat", "x-usage-ratelimit-", "x-usage-input-tokens"]
            ),
            st.text(max_size=20),
        ),
        header_values,
        max_size=4,
    ),
    payload=json_like,
)
def test_headers_never_break_capture(headers: dict[str, str], payload: Any) -> None:
    header_map = {"x-usage-input-tokens": "input_tokens"}
    usage = extract_usage(payload, headers=headers, header_map=header_map)
    check_invariants(usage)
    assert isinstance(parse_quota_headers(headers), dict)
