"""Property tests that capture invents no number: every count comes from the payload.

``test_capture_fuzz*.py`` checks each provider's shapes field by field; these
properties hold over any JSON-like payload and any provider hint, including
objects that imitate SDK responses badly.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.capture import extract_usage
from tessera.usage import Usage

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

USAGE_KEYS = [
    "usage",
    "usageMetadata",
    "usage_metadata",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "promptTokenCount",
    "candidatesTokenCount",
    "totalTokenCount",
    "thoughtsTokenCount",
    "cachedContentTokenCount",
    "prompt_tokens_details",
    "completion_tokens_details",
    "cached_tokens",
    "reasoning_tokens",
    "type",
    "message",
    "model",
    "response",
]
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["message_start", "message_delta", "response.completed", "12", "gpt-4o"]),
    st.text(max_size=6),
)
payloads = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(USAGE_KEYS), st.text(max_size=6)), inner, max_size=5
        ),
    ),
    max_leaves=30,
)
providers = st.sampled_from(
    [None, "openai", "anthropic", "gemini", "vertex_ai", "github_copilot", "bedrock", "nonsense"]
)


def _counts_in(payload: Any) -> int:
    """Sum of every value in the payload that could be a token count (an upper bound)."""
    if isinstance(payload, bool) or payload is None:
        return 0
    if isinstance(payload, int):
        return max(payload, 0)
    if isinstance(payload, float):
        return int(payload) if math.isfinite(payload) and payload > 0 else 0
    if isinstance(payload, dict):
        return sum(_counts_in(v) for v in payload.values())
    if isinstance(payload, list | tuple):
        return sum(_counts_in(v) for v in payload)
    return 0


def _check(usage: Usage, bound: int) -> None:
    parts = (
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.reasoning_tokens,
    )
    for count in (*parts, usage.total_tokens):
        assert count is None or (type(count) is int and count >= 0)
    # Nothing is made up: each count is bounded by the numbers the payload carries
    # (the total at most adds two of them).
    for count in parts:
        assert count is None or count <= bound
    assert usage.total_tokens is None or usage.total_tokens <= 2 * bound
    if not usage.reported:
        assert usage.problems


@FUZZ
@given(payload=payloads, provider=providers)
def test_any_payload_gives_only_counts_it_carries(payload: Any, provider: str | None) -> None:
    _check(extract_usage(payload, provider=provider), _counts_in(payload))


@FUZZ
@given(events=st.lists(payloads, max_size=6), provider=providers)
def test_any_stream_gives_only_counts_it_carries(events: list[Any], provider: str | None) -> None:
    _check(extract_usage(iter(events), provider=provider), _counts_in(events))


class _FakeSdkObject:
    """An object shaped like an SDK response whose conversion misbehaves."""

    def __init__(self, dumped: Any, fail: bool) -> None:
        self._dumped = dumped
        self._fail = fail

    def model_dump(self, *args: Any, **kwargs: Any) -> Any:
        if self._fail:
            raise RuntimeError("model_dump exploded")
        return self._dumped

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


@FUZZ
@given(dumped=payloads, fail=st.booleans(), provider=providers)
def test_misbehaving_sdk_objects_never_raise(dumped: Any, fail: bool, provider: str | None) -> None:
    usage = extract_usage(_FakeSdkObject(dumped, fail), provider=provider)
    _check(usage, 0 if fail else _counts_in(dumped))
