"""Absurd token counts from a provider are flagged, and the call is still stored."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tessera.capture import clear_usage_headers, extract_usage, register_usage_headers
from tessera.capture._convert import MAX_TOKEN_COUNT
from tessera.runtime.observer import Observer
from tessera.store import MetricsStore


def _chat(completion_tokens: object) -> dict[str, object]:
    return {
        "id": f"chatcmpl-{completion_tokens!r}",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": completion_tokens},
    }


@pytest.mark.parametrize("huge", [MAX_TOKEN_COUNT + 1, 10**12, 2**63, 10**30, 1e30])
def test_a_huge_count_is_flagged_not_believed(huge: object) -> None:
    usage = extract_usage(_chat(huge), provider="openai")
    assert usage.output_tokens is None
    assert any("too large to be a token count" in p for p in usage.problems)


def test_the_largest_believed_count_is_kept() -> None:
    usage = extract_usage(_chat(MAX_TOKEN_COUNT), provider="openai")
    assert usage.output_tokens == MAX_TOKEN_COUNT
    assert usage.problems == ()


@pytest.mark.parametrize("huge", [10**12, 10**30, 1e30])
def test_a_call_with_a_huge_count_is_stored_without_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, huge: object
) -> None:
    db = tmp_path / "m.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    with caplog.at_level(logging.WARNING, logger="tessera"), observer.task(agent_name="a"):
        observer.record(_chat(5), provider="openai")
        observer.record(_chat(huge), provider="openai")
    observer.shutdown()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with MetricsStore(db) as store:
        calls = store.calls()
    assert len(calls) == 2
    flagged = [c for c in calls if c.output_tokens != 5]
    assert len(flagged) == 1
    assert flagged[0].cost_usd is None


def test_a_huge_count_in_a_usage_header_is_not_believed() -> None:
    register_usage_headers({"x-in": "input_tokens", "x-out": "output_tokens"})
    try:
        usage = extract_usage(
            {"id": "x", "model": "gpt-4o-mini"},
            provider="openai",
            headers={"x-in": "12", "x-out": "999999999999999999"},
        )
    finally:
        clear_usage_headers()
    assert usage.input_tokens == 12
    assert usage.output_tokens is None
    assert any("x-out" in p for p in usage.problems)
