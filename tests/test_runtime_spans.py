"""Task, tool and failure spans written by the runtime to the JSONL trace file."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime_support import (
    OPENAI_HOST,
    Script,
    ask,
    make_observer,
    openai_client,
    rows,
    span_named,
    spans,
)
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange


class ToolBroke(RuntimeError):
    pass


def test_tool_span_is_a_child_of_the_task_and_parents_calls_inside_it(tmp_path: Path) -> None:
    body = rec.openai_chat("gpt-4o-mini-2024-07-18", "ok", 10, 5, response_id="chatcmpl-t")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="researcher", phase="search") as task:
        with task.tool("web_search", call_id="call_42") as span:
            span.set_attribute("app.query", "sqlite wal")
            client.chat.completions.create(model="gpt-4o-mini", messages=ask())
        with task.tool("read_file"):
            pass
    observer.shutdown()

    all_spans = spans(tmp_path / "traces.jsonl")
    task_span = span_named(all_spans, "invoke_agent researcher")
    search = span_named(all_spans, "execute_tool web_search")
    read = span_named(all_spans, "execute_tool read_file")
    chat = span_named(all_spans, "chat gpt-4o-mini")
    assert search["parent_span_id"] == task_span["span_id"]
    assert read["parent_span_id"] == task_span["span_id"]
    assert chat["parent_span_id"] == search["span_id"]
    assert search["kind"] == "INTERNAL"
    assert search["status"]["code"] != "ERROR"
    assert search["attributes"] == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "web_search",
        "gen_ai.tool.call.id": "call_42",
        "tessera.task.id": "t1",
        "gen_ai.agent.name": "researcher",
        "app.query": "sqlite wal",
    }
    assert "gen_ai.tool.call.id" not in read["attributes"]
    # The call is still the task's call.
    (call,) = rows(tmp_path / "metrics.db", "SELECT task_id FROM llm_calls")
    assert call["task_id"] == "t1"


def test_failing_tool_marks_its_span_and_propagates(tmp_path: Path) -> None:
    observer = make_observer(tmp_path)
    with (
        pytest.raises(ToolBroke, match="disk full"),
        observer.task("t1", agent_name="writer") as task,
        task.tool("save"),
    ):
        raise ToolBroke("disk full")
    observer.shutdown()

    all_spans = spans(tmp_path / "traces.jsonl")
    tool = span_named(all_spans, "execute_tool save")
    task_span = span_named(all_spans, "invoke_agent writer")
    assert tool["status"]["code"] == "ERROR"
    assert tool["attributes"]["error.type"] == "ToolBroke"
    assert [e["name"] for e in tool["events"]] == ["exception"]
    assert task_span["status"]["code"] == "ERROR"
    assert task_span["attributes"]["error.type"] == "ToolBroke"


def test_failed_task_is_recorded_and_its_exception_propagates_unchanged(tmp_path: Path) -> None:
    observer = make_observer(tmp_path)
    error = ValueError("bad plan")
    with (
        pytest.raises(ValueError) as caught,
        observer.task("t1", agent_name="planner", phase="planning") as task,
    ):
        task.quality_score = 0.25
        raise error
    observer.shutdown()

    assert caught.value is error
    (task_row,) = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments")
    assert (task_row["status"], task_row["error_message"]) == ("failed", "ValueError: bad plan")
    assert task_row["completed_at"] is not None
    (perf,) = rows(tmp_path / "metrics.db", "SELECT * FROM agent_performance")
    assert (perf["agent_name"], perf["phase"], perf["success"]) == ("planner", "planning", 0)
    assert perf["quality_score"] == 0.25
    task_span = span_named(spans(tmp_path / "traces.jsonl"), "invoke_agent planner")
    assert task_span["attributes"]["task_id"] == "t1"
    assert task_span["attributes"]["phase"] == "planning"
    assert task_span["status"]["code"] == "ERROR"
