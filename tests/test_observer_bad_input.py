"""Malformed responses are recorded, flagged and never raised into the caller."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from tessera.runtime.observer import Observer

BAD_RESPONSES = [
    # An OpenAI body without a usage block.
    {"object": "chat.completion", "model": "gpt-4o-mini", "choices": []},
    # Counts that are None and a string.
    {
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "usage": {"prompt_tokens": None, "completion_tokens": "12", "total_tokens": None},
    },
    # A shape nobody sends.
    {"weird": True},
    "not even a mapping",
]


@pytest.mark.parametrize(
    "response", BAD_RESPONSES, ids=["no-usage", "none-and-str", "shape", "string"]
)
def test_bad_response_is_recorded_unreported(
    response: object, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "m.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    with caplog.at_level(logging.WARNING, logger="tessera"), observer.task(agent_name="a"):
        record = observer.record(response, "openai", request_model="gpt-4o-mini")
    observer.shutdown()
    assert record is not None
    assert record.usage.reported is False
    assert record.cost_status == "no_usage" and record.cost_usd is None
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT usage_reported, input_tokens, output_tokens, cost_usd, cost_status "
            "FROM llm_calls"
        ).fetchone()
    # Stored, flagged, and no invented numbers.
    assert row == (0, None, None, None, "no_usage")
