"""The runtime against the real ``openai`` SDK client, answered in-process.

Prices (src/tessera/pricing/data/prices.toml, USD per 1M tokens, rows in force today):
gpt-4o-mini 0.15 in / 0.075 cached / 0.60 out; gpt-4o 2.50 in / 1.25 cached / 10 out;
github_copilot gpt-4o 0 / 0. ``cost_pusd`` is the exact cost in picodollars (1e-12 USD).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import openai
import pytest

from runtime_support import (
    COPILOT_HOST,
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

MINI = "gpt-4o-mini-2024-07-18"


def _call(tmp_path: Path, task_id: str = "t1") -> dict[str, Any]:
    found = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls WHERE task_id = ?", task_id)
    assert len(found) == 1
    return dict(found[0])


def _stream_without_usage(model: str, text: str) -> bytes:
    """A chat stream requested without ``include_usage``: no chunk carries usage."""
    body = rec.openai_chat_stream(model, text, 1, 1, response_id="chatcmpl-nousage")
    kept = []
    for line in body.decode().split("\n\n"):
        if line.startswith("data: {") and json.loads(line[6:])["choices"] == []:
            continue  # the usage chunk
        if line:
            kept.append(line + "\n\n")
    return "".join(kept).encode()


def test_sync_plain_call_is_recorded_in_the_open_task(tmp_path: Path) -> None:
    script = Script(
        Exchange(
            OPENAI_HOST,
            "gpt-4o-mini",
            rec.openai_chat(MINI, "hi", 1200, 300, cached=400, response_id="chatcmpl-1"),
        )
    )
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with (
        observer.run("r", run_id="run-1"),
        observer.task("t1", agent_name="planner", phase="planning", description="plan") as task,
    ):
        response = client.chat.completions.create(model="gpt-4o-mini", messages=ask())
        assert task.calls == 1
    observer.shutdown()

    assert response.choices[0].message.content == "hi"
    call = _call(tmp_path)
    assert (call["agent_name"], call["phase"], call["run_id"]) == ("planner", "planning", "run-1")
    assert (call["provider"], call["request_model"], call["response_model"]) == (
        "openai",
        "gpt-4o-mini",
        MINI,
    )
    assert (call["input_tokens"], call["output_tokens"], call["cache_read_tokens"]) == (
        1200,
        300,
        400,
    )
    assert (call["usage_reported"], call["stream"], call["status"]) == (1, 0, "ok")
    # (1200 - 400) x 0.15 + 400 x 0.075 + 300 x 0.60 = 120 + 30 + 180 = 330 per 1M
    # = $0.00033 = 330,000,000 picodollars.
    assert call["cost_status"] == "priced"
    assert call["cost_pusd"] == 330_000_000
    assert call["cost_usd"] == pytest.approx(0.00033)
    price = rows(
        tmp_path / "metrics.db", "SELECT * FROM model_pricing WHERE id = ?", call["pricing_id"]
    )
    assert (price[0]["provider"], price[0]["effective_date"][:10]) == ("openai", "2024-10-01")
    assert price[0]["model_name"] in ("gpt-4o-mini", MINI)

    task_row = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments")[0]
    assert (task_row["status"], task_row["error_message"], task_row["calls"]) == (
        "completed",
        None,
        1,
    )
    assert task_row["cost_pusd"] == 330_000_000
    perf = rows(tmp_path / "metrics.db", "SELECT * FROM agent_performance")
    assert len(perf) == 1
    assert (perf[0]["agent_name"], perf[0]["task_id"], perf[0]["success"]) == ("planner", "t1", 1)
    assert perf[0]["cost_usd"] == pytest.approx(0.00033)

    all_spans = spans(tmp_path / "traces.jsonl")
    run_span = span_named(all_spans, "invoke_workflow r")
    task_span = span_named(all_spans, "invoke_agent planner")
    chat = span_named(all_spans, "chat gpt-4o-mini")
    assert run_span["parent_span_id"] is None
    assert task_span["parent_span_id"] == run_span["span_id"]
    assert chat["parent_span_id"] == task_span["span_id"]
    assert chat["kind"] == "CLIENT"
    assert {s["trace_id"] for s in all_spans} == {run_span["trace_id"]}
    assert (call["trace_id"], call["span_id"]) == (chat["trace_id"], chat["span_id"])
    assert task_span["attributes"]["agent_name"] == "planner"
    assert task_span["attributes"]["task_id"] == "t1"
    assert task_span["attributes"]["phase"] == "planning"
    attrs = chat["attributes"]
    assert attrs["gen_ai.usage.input_tokens"] == 1200
    assert attrs["gen_ai.usage.output_tokens"] == 300
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 400
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["tessera.cost.usd"] == pytest.approx(0.00033)


def test_sync_stream_with_include_usage(tmp_path: Path) -> None:
    text = "a streamed answer that spans several chunks"
    body = rec.openai_chat_stream(MINI, text, 5210, 640, response_id="chatcmpl-s")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="reviewer", phase="review"):
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=ask(),
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    observer.shutdown()

    assert "".join(pieces) == text
    call = _call(tmp_path)
    assert (call["input_tokens"], call["output_tokens"], call["stream"]) == (5210, 640, 1)
    assert call["usage_reported"] == 1
    # 5210 x 0.15 + 640 x 0.60 = 781.5 + 384 = 1165.5 per 1M = $0.0011655.
    assert call["cost_pusd"] == 1_165_500_000


def test_stream_without_usage_is_flagged_not_priced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", _stream_without_usage(MINI, "abc")))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="reviewer"):
        for _ in client.chat.completions.create(model="gpt-4o-mini", messages=ask(), stream=True):
            pass
    observer.shutdown()

    call = _call(tmp_path)
    assert (call["usage_reported"], call["cost_status"], call["cost_usd"]) == (0, "no_usage", None)
    assert call["status"] == "ok"
    assert call["input_tokens"] is None
    flagged = [r for r in caplog.records if "usage flagged" in r.getMessage()]
    assert len(flagged) == 1
    assert flagged[0].levelname == "WARNING"


def test_async_plain_call(tmp_path: Path) -> None:
    body = rec.openai_chat("gpt-4o-2024-08-06", "done", 2300, 350, response_id="chatcmpl-a")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, asynchronous=True)

    async def main() -> str:
        with observer.task("t1", agent_name="doc-writer", phase="docs"):
            response = await client.chat.completions.create(model="gpt-4o", messages=ask())
        return str(response.choices[0].message.content)

    assert asyncio.run(main()) == "done"
    observer.shutdown()
    call = _call(tmp_path)
    assert (call["agent_name"], call["input_tokens"], call["output_tokens"]) == (
        "doc-writer",
        2300,
        350,
    )
    # 2300 x 2.50 + 350 x 10 = 5750 + 3500 = 9250 per 1M = $0.00925.
    assert call["cost_pusd"] == 9_250_000_000


def test_async_stream_with_include_usage(tmp_path: Path) -> None:
    body = rec.openai_chat_stream(MINI, "ok", 6020, 580, cached=5120, response_id="chatcmpl-as")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, asynchronous=True)

    async def main() -> None:
        with observer.task("t1", agent_name="reviewer"):
            stream = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=ask(),
                stream=True,
                stream_options={"include_usage": True},
            )
            async for _ in stream:
                pass

    asyncio.run(main())
    observer.shutdown()
    call = _call(tmp_path)
    assert (call["input_tokens"], call["cache_read_tokens"], call["output_tokens"]) == (
        6020,
        5120,
        580,
    )
    # (6020 - 5120) x 0.15 + 5120 x 0.075 + 580 x 0.60 = 135 + 384 + 348 = 867 per 1M.
    assert call["cost_pusd"] == 867_000_000
    assert call["stream"] == 1


def test_github_copilot_base_url_is_priced_at_zero(tmp_path: Path) -> None:
    body = rec.openai_chat("gpt-4o-2024-11-20", "14 modules", 3200, 410, response_id="c-1")
    script = Script(Exchange(COPILOT_HOST, "gpt-4o", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, base_url="https://api.githubcopilot.com")
    with observer.task("t1", agent_name="planner"):
        client.chat.completions.create(model="gpt-4o", messages=ask())
    observer.shutdown()

    call = _call(tmp_path)
    assert call["provider"] == "github_copilot"
    assert (call["input_tokens"], call["output_tokens"]) == (3200, 410)
    # A subscription: $0 per token is a real price, so the cost is 0, not NULL.
    assert (call["cost_status"], call["cost_pusd"]) == ("priced", 0)
    assert call["pricing_id"] is not None
    chat = span_named(spans(tmp_path / "traces.jsonl"), "chat gpt-4o")
    assert chat["attributes"]["gen_ai.provider.name"] == "github_copilot"


def test_http_500_is_recorded_as_error_and_reraised_unchanged(tmp_path: Path) -> None:
    error = {"error": {"message": "boom", "type": "server_error"}}
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", error, status=500))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with (
        pytest.raises(openai.InternalServerError) as caught,
        observer.task("t1", agent_name="planner"),
    ):
        client.chat.completions.create(model="gpt-4o-mini", messages=ask())
    observer.shutdown()

    assert caught.value.status_code == 500
    call = _call(tmp_path)
    assert (call["status"], call["error_type"]) == ("error", "InternalServerError")
    assert (call["usage_reported"], call["cost_status"], call["cost_usd"]) == (0, "no_usage", None)
    task_row = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments")[0]
    assert task_row["status"] == "failed"
    assert task_row["error_message"].startswith("InternalServerError: ")
    chat = span_named(spans(tmp_path / "traces.jsonl"), "chat gpt-4o-mini")
    assert chat["status"]["code"] == "ERROR"
    assert chat["attributes"]["error.type"] == "InternalServerError"


def test_stream_abandoned_and_closed_is_recorded_once(tmp_path: Path) -> None:
    body = rec.openai_chat_stream(MINI, "x" * 100, 50, 20, response_id="chatcmpl-b")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="reviewer"):
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=ask(), stream=True, stream_options={"include_usage": True}
        )
        for _ in stream:
            break
        stream.close()
        stream.close()  # a second close records nothing more
    observer.shutdown()

    call = _call(tmp_path)  # exactly one row
    # Left before the usage chunk: billed, but no usage was seen.
    assert (call["usage_reported"], call["cost_status"], call["stream"]) == (0, "no_usage", 1)
    assert len([s for s in spans(tmp_path / "traces.jsonl") if s["name"].startswith("chat")]) == 1


def test_stream_abandoned_without_close_is_recorded_at_garbage_collection(tmp_path: Path) -> None:
    import gc

    body = rec.openai_chat_stream(MINI, "x" * 100, 50, 20, response_id="chatcmpl-g")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="reviewer"):
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=ask(), stream=True, stream_options={"include_usage": True}
        )
        for _ in stream:
            break
        assert rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls") == []
        del stream
        gc.collect()
        call = _call(tmp_path)
    observer.shutdown()

    assert (call["usage_reported"], call["stream"], call["task_id"]) == (0, 1, "t1")
    assert len(rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")) == 1


def test_with_options_copy_is_instrumented_too(tmp_path: Path) -> None:
    body = rec.openai_chat(MINI, "ok", 10, 5, response_id="chatcmpl-w")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="planner"):
        client.with_options(timeout=5.0).chat.completions.create(
            model="gpt-4o-mini", messages=ask()
        )
    observer.shutdown()
    call = _call(tmp_path)
    # 10 x 0.15 + 5 x 0.60 = 1.5 + 3 = 4.5 per 1M.
    assert (call["input_tokens"], call["cost_pusd"]) == (10, 4_500_000)
