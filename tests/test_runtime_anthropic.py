"""The runtime against the real ``anthropic`` SDK clients, answered in-process.

Prices (src/tessera/pricing/data/prices.toml, USD per 1M tokens): claude-sonnet-4-20250514
on anthropic and on vertex_ai: 3 input, 0.30 cache read, 3.75 cache write (5 min),
6 cache write (1 h), 15 output. Anthropic's ``input_tokens`` excludes the cache counts;
Tessera's input is uncached + cache read + cache write. ``cost_pusd`` is in 1e-12 USD.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import anthropic
import pytest

from runtime_support import (
    ANTHROPIC_HOST,
    SONNET,
    VERTEX_HOST,
    Script,
    anthropic_client,
    ask,
    make_observer,
    rows,
    span_named,
    spans,
)
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange


def _call(tmp_path: Path) -> dict[str, Any]:
    found = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert len(found) == 1
    return dict(found[0])


def _plain(uncached: int, output: int, **cache: int) -> dict[str, Any]:
    usage = rec.anthropic_usage(uncached, output, **cache)
    return rec.anthropic_message(SONNET, "answer", usage, message_id="msg_plain")


def _stream(uncached: int, output: int, **cache: int) -> bytes:
    usage = rec.anthropic_usage(uncached, output, **cache)
    return rec.anthropic_stream(SONNET, "a streamed answer", usage, message_id="msg_stream")


def test_sync_plain_with_cache_write(tmp_path: Path) -> None:
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, _plain(12, 1850, cache_write_5m=4096)))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with observer.task("t1", agent_name="python-expert", phase="implementation"):
        message = client.messages.create(model=SONNET, max_tokens=4000, messages=ask())
    observer.shutdown()

    assert message.content[0].text == "answer"
    call = _call(tmp_path)
    assert (call["provider"], call["task_id"], call["phase"]) == (
        "anthropic",
        "t1",
        "implementation",
    )
    # input = 12 uncached + 4096 cache write = 4108.
    assert (call["input_tokens"], call["cache_write_tokens"], call["output_tokens"]) == (
        4108,
        4096,
        1850,
    )
    # 12 x 3 + 4096 x 3.75 + 1850 x 15 = 36 + 15360 + 27750 = 43146 per 1M = $0.043146.
    assert call["cost_pusd"] == 43_146_000_000
    perf = rows(tmp_path / "metrics.db", "SELECT * FROM agent_performance")
    assert [(p["agent_name"], p["success"]) for p in perf] == [("python-expert", 1)]
    assert perf[0]["cost_usd"] == pytest.approx(0.043146)


def test_create_stream_true_folds_message_start_and_delta(tmp_path: Path) -> None:
    body = _stream(40, 1320, cache_read=4096, cache_write_5m=1024)
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, body))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with observer.task("t1", agent_name="python-expert"):
        events = list(
            client.messages.create(model=SONNET, max_tokens=4000, messages=ask(), stream=True)
        )
    observer.shutdown()

    assert events[0].type == "message_start"
    call = _call(tmp_path)
    # input = 40 + 4096 read + 1024 write = 5160; output is message_delta's 1320,
    # which overwrites message_start's placeholder 1 (never summed to 1321).
    assert (call["input_tokens"], call["output_tokens"], call["stream"]) == (5160, 1320, 1)
    assert (call["cache_read_tokens"], call["cache_write_tokens"]) == (4096, 1024)
    # 40 x 3 + 4096 x 0.30 + 1024 x 3.75 + 1320 x 15
    # = 120 + 1228.8 + 3840 + 19800 = 24988.8 per 1M = $0.0249888.
    assert call["cost_pusd"] == 24_988_800_000


def test_stream_helper_sync(tmp_path: Path) -> None:
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, _stream(35, 2210, cache_read=4096)))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with (
        observer.task("t1", agent_name="python-expert"),
        client.messages.stream(model=SONNET, max_tokens=4000, messages=ask()) as stream,
    ):
        text = "".join(stream.text_stream)
    observer.shutdown()

    assert text == "a streamed answer"
    call = _call(tmp_path)
    # input = 35 + 4096 read = 4131.
    assert (call["input_tokens"], call["cache_read_tokens"], call["output_tokens"]) == (
        4131,
        4096,
        2210,
    )
    # 35 x 3 + 4096 x 0.30 + 2210 x 15 = 105 + 1228.8 + 33150 = 34483.8 per 1M.
    assert call["cost_pusd"] == 34_483_800_000
    assert (call["stream"], call["task_id"]) == (1, "t1")


def test_async_client_plain_and_stream_helper(tmp_path: Path) -> None:
    script = Script(
        Exchange(ANTHROPIC_HOST, SONNET, _plain(100, 50)),
        Exchange(ANTHROPIC_HOST, SONNET, _stream(200, 80)),
    )
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer, anthropic.AsyncAnthropic)

    async def main() -> str:
        with observer.task("t1", agent_name="reviewer"):
            await client.messages.create(model=SONNET, max_tokens=100, messages=ask())
            async with client.messages.stream(model=SONNET, max_tokens=100, messages=ask()) as s:
                final = await s.get_final_message()
        return str(final.content[0].text)

    assert asyncio.run(main()) == "a streamed answer"
    observer.shutdown()
    found = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls ORDER BY stream")
    assert [(c["input_tokens"], c["output_tokens"], c["stream"]) for c in found] == [
        (100, 50, 0),
        (200, 80, 1),
    ]
    # 100 x 3 + 50 x 15 = 300 + 750 = 1050 per 1M; 200 x 3 + 80 x 15 = 600 + 1200 = 1800 per 1M.
    assert [c["cost_pusd"] for c in found] == [1_050_000_000, 1_800_000_000]
    task_row = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments")[0]
    # 1050 + 1800 = 2850 per 1M.
    assert (task_row["calls"], task_row["cost_pusd"]) == (2, 2_850_000_000)


def test_async_create_stream_true(tmp_path: Path) -> None:
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, _stream(10, 20)))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer, anthropic.AsyncAnthropic)

    async def main() -> int:
        with observer.task("t1", agent_name="reviewer"):
            stream = await client.messages.create(
                model=SONNET, max_tokens=100, messages=ask(), stream=True
            )
            return len([event async for event in stream])

    assert asyncio.run(main()) > 3
    observer.shutdown()
    call = _call(tmp_path)
    # 10 x 3 + 20 x 15 = 30 + 300 = 330 per 1M.
    assert (call["input_tokens"], call["output_tokens"], call["cost_pusd"]) == (10, 20, 330_000_000)


def test_anthropic_vertex_is_provider_vertex_ai(tmp_path: Path) -> None:
    body = rec.anthropic_message(
        SONNET, "ok", rec.anthropic_usage(35, 2210, cache_read=4096), message_id="msg_vrtx_1"
    )
    script = Script(Exchange(VERTEX_HOST, "claude-sonnet-4@20250514", body))
    observer = make_observer(tmp_path)
    client = anthropic_client(
        script,
        observer,
        anthropic.AnthropicVertex,
        project_id="p",
        region="us-east5",
        access_token="token",
    )
    with observer.task("t1", agent_name="python-expert"):
        client.messages.create(model="claude-sonnet-4@20250514", max_tokens=100, messages=ask())
    observer.shutdown()

    call = _call(tmp_path)
    assert (call["provider"], call["request_model"]) == ("vertex_ai", "claude-sonnet-4@20250514")
    # Same list price as the direct API: 35 x 3 + 4096 x 0.30 + 2210 x 15 = 34483.8 per 1M.
    assert call["cost_pusd"] == 34_483_800_000
    price = rows(
        tmp_path / "metrics.db", "SELECT * FROM model_pricing WHERE id = ?", call["pricing_id"]
    )
    assert price[0]["provider"] == "vertex_ai"
    chat = span_named(spans(tmp_path / "traces.jsonl"), "chat claude-sonnet-4@20250514")
    assert chat["attributes"]["gen_ai.provider.name"] == "gcp.vertex_ai"


def test_http_529_overloaded_is_recorded_and_reraised(tmp_path: Path) -> None:
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, rec.anthropic_overloaded(), status=529))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        observer.task("t1", agent_name="python-expert"),
    ):
        client.messages.create(model=SONNET, max_tokens=100, messages=ask())
    observer.shutdown()

    assert caught.value.status_code == 529
    call = _call(tmp_path)
    assert call["status"] == "error"
    assert call["error_type"] == type(caught.value).__name__
    assert (call["usage_reported"], call["cost_status"], call["cost_usd"]) == (0, "no_usage", None)
    task_row = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments")[0]
    assert task_row["status"] == "failed"
    assert task_row["error_message"] == f"{type(caught.value).__name__}: {caught.value}"
    perf = rows(tmp_path / "metrics.db", "SELECT success FROM agent_performance")
    assert [p["success"] for p in perf] == [0]


def test_stream_helper_that_fails_to_open_is_recorded_as_error(tmp_path: Path) -> None:
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, rec.anthropic_overloaded(), status=529))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        observer.task("t1", agent_name="python-expert"),
        client.messages.stream(model=SONNET, max_tokens=100, messages=ask()),
    ):
        pass
    observer.shutdown()

    assert caught.value.status_code == 529
    call = _call(tmp_path)
    assert (call["status"], call["stream"], call["usage_reported"]) == ("error", 1, 0)
    chat = span_named(spans(tmp_path / "traces.jsonl"), f"chat {SONNET}")
    assert chat["status"]["code"] == "ERROR"


def test_stream_error_mid_way_keeps_partial_usage_and_the_sdk_error(tmp_path: Path) -> None:
    # An unpriced model (fresh name: its warning is given once per process), so
    # under filterwarnings=error the pricing warning must not replace the SDK error.
    model = f"claude-custom-{uuid.uuid4().hex[:8]}"
    full = rec.anthropic_stream(model, "x", rec.anthropic_usage(300, 40), message_id="msg_e")
    start = full.split(b"\n\n")[0] + b"\n\n"  # message_start only: 300 in, placeholder 1 out
    error = b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", '
    error += b'"message": "Overloaded"}}\n\n'
    script = Script(Exchange(ANTHROPIC_HOST, model, start + error))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with (
        pytest.raises(anthropic.APIStatusError, match="Overloaded"),
        observer.task("t1", agent_name="python-expert"),
    ):
        for _ in client.messages.create(model=model, max_tokens=100, messages=ask(), stream=True):
            pass
    observer.shutdown()

    call = _call(tmp_path)
    assert (call["status"], call["cost_status"], call["cost_usd"]) == ("error", "unpriced", None)
    assert (call["input_tokens"], call["usage_reported"]) == (300, 1)
