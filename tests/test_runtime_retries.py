"""Retries: the attempts of one logical call share an ``operation_id``; billed ones all count.

Two sources of attempts: the SDK's own retries inside one ``create``
(``max_retries``; seen through the HTTP client's event hooks) and the
application's (``with observer.operation():``). Prices per 1M tokens:
gpt-4o-mini 0.15 in / 0.60 out; claude-sonnet-4 3 in / 15 out (anthropic and vertex_ai).
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from runtime_support import (
    ANTHROPIC_HOST,
    OPENAI_HOST,
    SONNET,
    VERTEX_HOST,
    Script,
    anthropic_client,
    ask,
    make_observer,
    rows,
)
from tessera.cli import main
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.runtime.instrument import instrument
from tessera.store import MetricsStore

MINI = "gpt-4o-mini"
# The SDKs honour retry-after-ms: the retries below wait 1 ms, not seconds.
FAST = (("retry-after-ms", "1"),)
RATE_LIMITED = {"error": {"message": "rate limited", "type": "rate_limit_error"}}
SERVER_ERROR = {"error": {"message": "boom", "type": "server_error"}}


def _mini(prompt: int, completion: int, response_id: str) -> dict[str, Any]:
    return rec.openai_chat(
        "gpt-4o-mini-2024-07-18", "ok", prompt, completion, response_id=response_id
    )


def _openai(script: Script, observer: Any, *, asynchronous: bool = False) -> Any:
    client_class = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    http = script.http_client(openai, asynchronous=asynchronous)
    client = client_class(api_key="test-key", max_retries=3, http_client=http)
    return instrument(client, observer=observer)


def _calls(tmp_path: Path) -> list[dict[str, Any]]:
    sql = (
        "SELECT operation_id, attempt, status, error_type, cost_status, input_tokens, cost_pusd, "
        "provider FROM llm_calls ORDER BY attempt"
    )
    return [dict(r) for r in rows(tmp_path / "metrics.db", sql)]


def test_sdk_retries_are_attempts_of_one_operation(tmp_path: Path) -> None:
    script = Script(
        Exchange(OPENAI_HOST, MINI, RATE_LIMITED, status=429, headers=FAST),
        Exchange(OPENAI_HOST, MINI, SERVER_ERROR, status=500, headers=FAST),
        Exchange(OPENAI_HOST, MINI, _mini(1000, 200, "chatcmpl-r3")),
    )
    observer = make_observer(tmp_path)
    client = _openai(script, observer)
    with observer.task("t1", agent_name="reviewer"):
        answer = client.chat.completions.create(model=MINI, messages=ask())
    observer.shutdown()

    assert answer.id == "chatcmpl-r3" and script.remaining == 0
    first, second, third = _calls(tmp_path)
    assert first["operation_id"] == second["operation_id"] == third["operation_id"]
    # The SDK retried twice: two failed attempts without usage (not billed), then the answer.
    assert (first["attempt"], first["status"], first["error_type"]) == (1, "error", "HTTP 429")
    assert (second["attempt"], second["error_type"], second["cost_status"]) == (
        2,
        "HTTP 500",
        "no_usage",
    )
    assert first["input_tokens"] is None and first["cost_pusd"] is None
    assert (third["attempt"], third["status"], third["input_tokens"]) == (3, "ok", 1000)
    # 1,000 x 0.15 + 200 x 0.60 = 150 + 120 = 270 per 1M = $0.00027.
    assert third["cost_pusd"] == 270_000_000
    task = rows(tmp_path / "metrics.db", "SELECT cost_usd FROM agent_performance")
    assert task[0]["cost_usd"] == pytest.approx(0.00027)


def test_sdk_retries_of_an_async_stream(tmp_path: Path) -> None:
    stream = rec.openai_chat_stream("gpt-4o-mini-2024-07-18", "ok", 800, 100, response_id="s2")
    script = Script(
        Exchange(OPENAI_HOST, MINI, RATE_LIMITED, status=429, headers=FAST),
        Exchange(OPENAI_HOST, MINI, stream),
    )
    observer = make_observer(tmp_path)
    client = _openai(script, observer, asynchronous=True)

    async def call() -> None:
        with observer.task("t1"):
            chunks = await client.chat.completions.create(
                model=MINI, messages=ask(), stream=True, stream_options={"include_usage": True}
            )
            async for _chunk in chunks:
                pass

    asyncio.run(call())
    observer.shutdown()

    first, second = _calls(tmp_path)
    assert first["operation_id"] == second["operation_id"]
    assert (first["attempt"], first["error_type"]) == (1, "HTTP 429")
    # 800 x 0.15 + 100 x 0.60 = 120 + 60 = 180 per 1M.
    assert (second["attempt"], second["status"], second["cost_pusd"]) == (2, "ok", 180_000_000)


def test_a_call_whose_every_attempt_failed(tmp_path: Path) -> None:
    overloaded = rec.anthropic_overloaded()
    script = Script(
        Exchange(ANTHROPIC_HOST, SONNET, overloaded, status=529, headers=FAST),
        Exchange(ANTHROPIC_HOST, SONNET, overloaded, status=529, headers=FAST),
    )
    observer = make_observer(tmp_path)
    client = instrument(
        anthropic.Anthropic(
            api_key="test-key", max_retries=1, http_client=script.http_client(anthropic)
        ),
        observer=observer,
    )
    with observer.task("t1"), pytest.raises(anthropic.APIStatusError):
        client.messages.create(model=SONNET, max_tokens=100, messages=ask())
    observer.shutdown()

    first, last = _calls(tmp_path)
    assert first["operation_id"] == last["operation_id"]
    assert (first["attempt"], first["error_type"]) == (1, "HTTP 529")
    # The last attempt carries the exception the caller received.
    assert last["attempt"] == 2 and last["error_type"] == "OverloadedError"
    assert {first["cost_status"], last["cost_status"]} == {"no_usage"}


def test_application_retry_with_a_provider_fallback(tmp_path: Path) -> None:
    # Attempt 1: Anthropic is overloaded (no usage). Attempt 2: the same request on Vertex.
    script = Script(
        Exchange(ANTHROPIC_HOST, SONNET, rec.anthropic_overloaded(), status=529),
        Exchange(
            VERTEX_HOST,
            "claude-sonnet-4@20250514",
            rec.anthropic_message(
                SONNET, "ok", rec.anthropic_usage(500, 100), message_id="msg_vrtx_f1"
            ),
        ),
    )
    observer = make_observer(tmp_path)
    direct = anthropic_client(script, observer)
    vertex = anthropic_client(
        script,
        observer,
        anthropic.AnthropicVertex,
        project_id="p",
        region="us-east5",
        access_token="t",
    )
    with observer.task("t1"), observer.operation("op-fallback") as op:
        try:
            direct.messages.create(model=SONNET, max_tokens=100, messages=ask())
        except anthropic.APIStatusError:
            vertex.messages.create(model="claude-sonnet-4@20250514", max_tokens=100, messages=ask())
    observer.shutdown()

    assert op.attempts == 2
    first, second = _calls(tmp_path)
    assert (first["operation_id"], first["attempt"], first["provider"]) == (
        "op-fallback",
        1,
        "anthropic",
    )
    assert (second["operation_id"], second["attempt"], second["provider"]) == (
        "op-fallback",
        2,
        "vertex_ai",
    )
    # 500 x 3 + 100 x 15 = 1,500 + 1,500 = 3,000 per 1M.
    assert second["cost_pusd"] == 3_000_000_000


def test_every_billed_attempt_counts_in_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The application rejects the first answer (say, invalid JSON) and asks again:
    # both answers were billed. The second call is also retried once by the SDK.
    script = Script(
        Exchange(OPENAI_HOST, MINI, _mini(1000, 200, "chatcmpl-a1")),
        Exchange(OPENAI_HOST, MINI, RATE_LIMITED, status=429, headers=FAST),
        Exchange(OPENAI_HOST, MINI, _mini(1000, 300, "chatcmpl-a2")),
    )
    observer = make_observer(tmp_path)
    client = _openai(script, observer)
    with observer.task("t1", agent_name="reviewer"), observer.operation() as op:
        client.chat.completions.create(model=MINI, messages=ask())
        client.chat.completions.create(model=MINI, messages=ask())
    observer.shutdown()

    calls = _calls(tmp_path)
    assert [(c["attempt"], c["status"]) for c in calls] == [(1, "ok"), (2, "error"), (3, "ok")]
    assert {c["operation_id"] for c in calls} == {op.operation_id}
    # Billed: 1,000 x 0.15 + 200 x 0.60 = 270, and 1,000 x 0.15 + 300 x 0.60 = 330;
    # 270 + 330 = 600 per 1M = $0.0006. The 429 attempt adds nothing.
    with MetricsStore(tmp_path / "metrics.db") as store:
        (group,) = store.cost_by("task")
    assert (group.calls, group.cost_usd) == (3, Decimal("0.0006"))

    assert main(["calls", "--db", str(tmp_path / "metrics.db"), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(c["attempt"] for c in listed) == [1, 2, 3]
    assert {c["operation_id"] for c in listed} == {op.operation_id}
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["calls", "--db", str(tmp_path / "metrics.db")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "attempt" in lines[2]  # the column shows when a call was retried
    # Newest first: attempt 3 ($0.000330), the 429 (attempt 2), attempt 1 ($0.000270).
    assert [line.split()[-1] for line in lines[4:7]] == ["3", "2", "1"]
