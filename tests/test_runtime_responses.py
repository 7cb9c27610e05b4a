"""``client.responses.create`` through ``instrument``: plain and streamed, sync and async.

Prices per 1M tokens: o3-mini 1.10 input, 0.55 cached input, 4.40 output
(reasoning inside output, at the output price). The Responses API reports
``input_tokens`` with the cached ones inside and ``output_tokens`` with the
reasoning ones inside, like Tessera's normalized counts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from runtime_support import OPENAI_HOST, Script, make_observer, openai_client, rows
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange

O3 = "o3-mini"
SNAPSHOT = "o3-mini-2025-01-31"

# 2,000 input of which 1,024 cached; 900 output of which 600 reasoning.
# Cost: (2,000 - 1,024) x 1.10 + 1,024 x 0.55 + 900 x 4.40
#     = 1,073.6 + 563.2 + 3,960 = 5,596.8 per 1M = $0.0055968.
COUNTS: dict[str, Any] = {"cached": 1024, "reasoning": 600}
COST_PUSD = 5_596_800_000


def _plain(response_id: str) -> dict[str, Any]:
    return rec.openai_response(
        SNAPSHOT, "Plan ready.", 2000, 900, response_id=response_id, **COUNTS
    )


def _stream(response_id: str) -> bytes:
    return rec.openai_response_stream(
        SNAPSHOT, "Plan ready, in three steps.", 2000, 900, response_id=response_id, **COUNTS
    )


def _check(call: dict[str, Any], stream: bool, response_id: str) -> None:
    assert (call["provider"], call["request_model"], call["response_model"]) == (
        "openai",
        O3,
        SNAPSHOT,
    )
    assert (call["input_tokens"], call["cache_read_tokens"]) == (2000, 1024)
    assert (call["output_tokens"], call["reasoning_tokens"]) == (900, 600)
    assert (call["stream"], call["usage_reported"], call["cost_pusd"]) == (
        int(stream),
        1,
        COST_PUSD,
    )
    assert response_id in call["extras"]


def test_sync_plain_and_stream(tmp_path: Path) -> None:
    script = Script(
        Exchange(OPENAI_HOST, O3, _plain("resp_p1")),
        Exchange(OPENAI_HOST, O3, _stream("resp_s1")),
    )
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="planner"):
        plain = client.responses.create(model=O3, input="Plan it")
        text = "".join(
            event.delta
            for event in client.responses.create(model=O3, input="Plan it", stream=True)
            if event.type == "response.output_text.delta"
        )
    observer.shutdown()

    assert plain.output_text == "Plan ready." and text == "Plan ready, in three steps."
    calls = [dict(r) for r in rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")]
    by_stream = {c["stream"]: c for c in calls}
    _check(by_stream[0], False, "resp_p1")
    _check(by_stream[1], True, "resp_s1")
    assert {c["task_id"] for c in calls} == {"t1"}


def test_async_plain_and_stream(tmp_path: Path) -> None:
    script = Script(
        Exchange(OPENAI_HOST, O3, _plain("resp_p2")),
        Exchange(OPENAI_HOST, O3, _stream("resp_s2")),
    )
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, asynchronous=True)

    async def call() -> None:
        with observer.task("t1", agent_name="planner"):
            await client.responses.create(model=O3, input="Plan it")
            events = await client.responses.create(model=O3, input="Plan it", stream=True)
            async for _event in events:
                pass

    asyncio.run(call())
    observer.shutdown()

    calls = [dict(r) for r in rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")]
    by_stream = {c["stream"]: c for c in calls}
    _check(by_stream[0], False, "resp_p2")
    _check(by_stream[1], True, "resp_s2")
    perf = rows(tmp_path / "metrics.db", "SELECT cost_pusd FROM agent_performance")
    assert perf[0]["cost_pusd"] == 2 * COST_PUSD  # two calls of $0.0055968
