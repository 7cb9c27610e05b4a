"""Property tests: malformed, truncated and random payloads never break capture."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.capture import extract_usage, stream_accumulator
from tessera.usage import Usage

# The autouse data-dir fixture only sets environment variables; sharing it across
# generated examples is harmless.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    # too_slow: a cold run builds the unicode tables for st.text() once.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

values = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=-(10**6), max_value=-1),
    st.sampled_from([12.0, 0.5, -3.0, math.nan, math.inf, True, False, "12", ""]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
json_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def is_count(value: object) -> bool:
    """The spec of a count, written independently of the code under test.

    At most a billion tokens: no model call reports more, a larger count is garbage.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= 10**9
    return (
        isinstance(value, float)
        and math.isfinite(value)
        and 0 <= value <= 10**9
        and value == int(value)
    )


def check_invariants(usage: Usage) -> None:
    counts = (
        usage.input_tokens,
        usage.output_tokens,
        usage.total_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.reasoning_tokens,
        usage.uncached_input_tokens,
    )
    for count in counts:
        assert count is None or (type(count) is int and count >= 0)
    if usage.input_tokens is not None and usage.output_tokens is not None:
        assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    if usage.output_tokens is not None and usage.reasoning_tokens is not None:
        assert usage.reasoning_tokens <= usage.output_tokens
    if not usage.reported:
        assert usage.problems  # every unreported record says why
    for value in usage.extras.values():
        assert not isinstance(value, int) or value >= 0


openai_usage = st.fixed_dictionaries(
    {},
    optional={
        "prompt_tokens": values,
        "completion_tokens": values,
        "total_tokens": values,
        "prompt_tokens_details": st.one_of(
            values,
            st.fixed_dictionaries(
                {},
                optional={
                    "cached_tokens": values,
                    "cache_write_tokens": values,
                    "audio_tokens": values,
                },
            ),
        ),
        "completion_tokens_details": st.one_of(
            values,
            st.fixed_dictionaries(
                {}, optional={"reasoning_tokens": values, "audio_tokens": values}
            ),
        ),
    },
)
anthropic_usage = st.fixed_dictionaries(
    {},
    optional={
        "input_tokens": values,
        "output_tokens": values,
        "cache_read_input_tokens": values,
        "cache_creation_input_tokens": values,
        "cache_creation": st.one_of(
            values,
            st.fixed_dictionaries(
                {},
                optional={"ephemeral_5m_input_tokens": values, "ephemeral_1h_input_tokens": values},
            ),
        ),
        "output_tokens_details": st.one_of(
            values, st.fixed_dictionaries({}, optional={"thinking_tokens": values})
        ),
        "iterations": st.lists(
            st.one_of(values, st.fixed_dictionaries({"input_tokens": values})), max_size=2
        ),
    },
)


def flagged(usage: Usage, path: str) -> bool:
    return any(p.startswith(path + " ") for p in usage.problems)


@FUZZ
@given(usage_block=openai_usage)
def test_openai_bodies(usage_block: dict[str, Any]) -> None:
    body = {
        "id": "chatcmpl-fuzz",
        "object": "chat.completion",
        "model": "gpt-4o",
        "usage": usage_block,
    }
    usage = extract_usage(body)
    check_invariants(usage)
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = usage_block.get(key)
        if value is not None and not is_count(value):
            assert flagged(usage, f"usage.{key}")
    if is_count(usage_block.get("prompt_tokens")):
        assert usage.input_tokens == int(usage_block["prompt_tokens"])


@FUZZ
@given(usage_block=anthropic_usage)
def test_anthropic_bodies(usage_block: dict[str, Any]) -> None:
    body = {"id": "msg_fuzz", "type": "message", "model": "claude-x", "usage": usage_block}
    usage = extract_usage(body)
    check_invariants(usage)
    for key in (
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    ):
        value = usage_block.get(key)
        if value is not None and not is_count(value):
            assert flagged(usage, f"usage.{key}")
    if usage.input_tokens is not None and is_count(usage_block.get("cache_read_input_tokens")):
        assert usage.input_tokens >= int(usage_block["cache_read_input_tokens"])


anthropic_event = st.one_of(
    st.builds(
        lambda u: {"type": "message_start", "message": {"id": "msg_f", "model": "m", "usage": u}},
        anthropic_usage,
    ),
    st.builds(
        lambda u: {"type": "message_delta", "delta": {}, "usage": u},
        st.one_of(anthropic_usage, values),
    ),
    st.sampled_from(
        [
            {"type": "ping"},
            {"type": "message_stop"},
            {"type": "error", "error": {"type": "overloaded"}},
        ]
    ),
    st.builds(lambda m: {"type": "message_start", "message": m}, values),
)
openai_chunk = st.builds(
    lambda u, c: {
        "object": "chat.completion.chunk",
        "id": "c",
        "model": "m",
        "choices": c,
        "usage": u,
    },
    st.one_of(openai_usage, values),
    st.lists(json_like, max_size=1),
)
events = st.lists(st.one_of(anthropic_event, openai_chunk, json_like), max_size=10)


@FUZZ
@given(stream=events, cut=st.integers(min_value=0, max_value=10), as_generator=st.booleans())
def test_streams_and_truncations(stream: list[Any], cut: int, as_generator: bool) -> None:
    truncated = stream[:cut]
    usage = extract_usage(iter(truncated) if as_generator else truncated)
    check_invariants(usage)


@FUZZ
@given(stream=events, shape=st.sampled_from(["openai_chat", "anthropic_messages", "auto", "bogus"]))
def test_accumulators_fed_anything(stream: list[Any], shape: str) -> None:
    accumulator = stream_accumulator("openai", shape)
    for event in stream:
        accumulator.add(event)
    check_invariants(accumulator.result())


@FUZZ
@given(payload=json_like, provider=st.one_of(st.none(), st.text(max_size=10)))
def test_arbitrary_json_never_raises(payload: Any, provider: str | None) -> None:
    check_invariants(extract_usage(payload, provider=provider))
