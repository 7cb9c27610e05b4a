"""Attribute values on the way to the JSONL line: None, limits, content attributes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tessera.tracing import make_tracer_provider


def _one_line(path: Path) -> dict[str, Any]:
    (line,) = path.read_text("utf-8").splitlines()
    record: dict[str, Any] = json.loads(line)
    return record


def test_none_values_are_dropped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path)
    with provider.get_tracer("t").start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.usage.input_tokens", 10)
        span.set_attribute("gen_ai.response.id", None)  # type: ignore[arg-type]
        span.set_attributes({"gen_ai.response.model": None, "tags": [1, None]})  # type: ignore[dict-item]
        span.add_event("retry", {"attempt": 2, "reason": None})  # type: ignore[dict-item]
    provider.shutdown()
    record = _one_line(path)
    # Two top-level None values left out; a None inside a list is a list element, kept.
    assert record["attributes"] == {
        "gen_ai.usage.input_tokens": 10,
        "tags": [1, None],
        "tessera.dropped_none": 2,
    }
    assert record["events"][0]["attributes"] == {"attempt": 2, "tessera.dropped_none": 1}


def test_attribute_limit_is_configurable_from_the_provider(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path, max_attribute_chars=5)
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("long", "abcdefgh")
        span.set_attribute("short", "abc")
    provider.shutdown()
    assert _one_line(path)["attributes"] == {
        "long": "abcde",  # first 5 of 8 characters
        "short": "abc",
        "tessera.truncated": ["long"],
    }


def test_no_limit_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path, max_attribute_chars=None)
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("long", "y" * 100_000)
    provider.shutdown()
    assert _one_line(path)["attributes"] == {"long": "y" * 100_000}


def test_content_attributes_pass_through(tmp_path: Path) -> None:
    # Whether content is captured is the runtime's decision; the exporter keeps it.
    path = tmp_path / "t.jsonl"
    messages = [{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]
    provider = make_tracer_provider(path)
    with provider.get_tracer("t").start_as_current_span("chat m") as span:
        span.set_attribute("gen_ai.input.messages", json.dumps(messages))
        span.set_attribute("gen_ai.output.messages", messages)  # type: ignore[arg-type]
        span.set_attribute("gen_ai.system_instructions", "Be brief.")
    provider.shutdown()
    attributes = _one_line(path)["attributes"]
    assert json.loads(attributes["gen_ai.input.messages"]) == messages
    assert json.loads(attributes["gen_ai.output.messages"]) == messages
    assert attributes["gen_ai.system_instructions"] == "Be brief."
