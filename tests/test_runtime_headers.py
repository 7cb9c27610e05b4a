"""Response headers through ``instrument``: GitHub Copilot quota state and header-borne counts.

Prices: gpt-4o through GitHub Copilot is $0 per token (subscription); gpt-4o-mini
on openai is 0.15 input / 0.60 output per 1M tokens; claude-sonnet-4 is 3 / 15.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import anthropic
import pytest

from runtime_support import (
    ANTHROPIC_HOST,
    COPILOT_HOST,
    OPENAI_HOST,
    SONNET,
    Script,
    ask,
    make_observer,
    openai_client,
    rows,
)
from tessera.capture import clear_usage_headers, register_usage_headers
from tessera.cli import main
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.runtime.instrument import instrument

COPILOT_URL = "https://api.githubcopilot.com"
QUOTA_HEADERS = (
    ("x-quota-snapshot-chat", "ent=-1&ov=0.0&ovPerm=false&rem=100.0&rst=2026-01-01T00%3A00%3A00Z"),
    (
        "x-quota-snapshot-premium_interactions",
        "ent=300&ov=0.0&ovPerm=true&rem=82.5&rst=2026-01-01T00%3A00%3A00Z",
    ),
)
# What capture makes of the two headers above.
PREMIUM = {
    "entitlement": 300,
    "overage_used": 0.0,
    "overage_permitted": True,
    "percent_remaining": 82.5,
    "reset_at": "2026-01-01T00:00:00Z",
}


def _scan(response_id: str = "chatcmpl-cop1") -> dict[str, Any]:
    return rec.openai_chat("gpt-4o-2024-11-20", "14 modules", 3200, 410, response_id=response_id)


def _extras(tmp_path: Path) -> list[dict[str, Any]]:
    found = rows(tmp_path / "metrics.db", "SELECT extras FROM llm_calls ORDER BY started_at")
    return [json.loads(r["extras"]) for r in found]


def test_copilot_quota_headers_are_stored_with_a_plain_call(tmp_path: Path) -> None:
    script = Script(Exchange(COPILOT_HOST, "gpt-4o", _scan(), headers=QUOTA_HEADERS))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, base_url=COPILOT_URL)
    with observer.task("t1", agent_name="planner"):
        answer = client.chat.completions.create(model="gpt-4o", messages=ask())
    observer.shutdown()

    assert answer.choices[0].message.content == "14 modules"  # the user's object, unchanged
    (extras,) = _extras(tmp_path)
    quota = extras["usage_extras"]["copilot_quota"]
    assert quota["premium_interactions"] == PREMIUM
    assert quota["chat"]["unlimited"] is True and quota["chat"]["percent_remaining"] == 100.0
    (call,) = rows(tmp_path / "metrics.db", "SELECT provider, cost_pusd FROM llm_calls")
    # Copilot's $0 per token is a real price: 3,200 x 0 + 410 x 0 = 0.
    assert (call["provider"], call["cost_pusd"]) == ("github_copilot", 0)


def test_copilot_quota_headers_reach_a_stream_and_an_async_call(tmp_path: Path) -> None:
    stream_body = rec.openai_chat_stream("gpt-4o-2024-11-20", "ok", 900, 40, response_id="c2")
    script = Script(
        Exchange(COPILOT_HOST, "gpt-4o", stream_body, headers=QUOTA_HEADERS),
        Exchange(COPILOT_HOST, "gpt-4o", _scan("c3"), headers=QUOTA_HEADERS[1:]),
    )
    observer = make_observer(tmp_path)
    sync = openai_client(script, observer, base_url=COPILOT_URL)
    with observer.task("t1", agent_name="planner"):
        for _chunk in sync.chat.completions.create(
            model="gpt-4o", messages=ask(), stream=True, stream_options={"include_usage": True}
        ):
            pass
    client = openai_client(script, observer, asynchronous=True, base_url=COPILOT_URL)

    async def call() -> None:
        with observer.task("t2", agent_name="planner"):
            await client.chat.completions.create(model="gpt-4o", messages=ask())

    asyncio.run(call())
    observer.shutdown()

    streamed, plain = _extras(tmp_path)
    assert streamed["usage_extras"]["copilot_quota"]["premium_interactions"] == PREMIUM
    assert plain["usage_extras"]["copilot_quota"] == {"premium_interactions": PREMIUM}
    found = rows(tmp_path / "metrics.db", "SELECT input_tokens, stream FROM llm_calls")
    assert sorted((r["input_tokens"], r["stream"]) for r in found) == [(900, 1), (3200, 0)]


def test_calls_command_shows_the_quota_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table line per call
    script = Script(Exchange(COPILOT_HOST, "gpt-4o", _scan(), headers=QUOTA_HEADERS))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, base_url=COPILOT_URL)
    with observer.task("t1", agent_name="planner"):
        client.chat.completions.create(model="gpt-4o", messages=ask())
    observer.shutdown()
    db = str(tmp_path / "metrics.db")

    assert main(["calls", "--db", db]) == 0
    table = capsys.readouterr().out
    assert "Copilot quota left" in table
    # The limited quota first, then the unlimited one.
    assert "premium_interactions 82.5%, chat unlimited" in " ".join(table.split())

    assert main(["calls", "--db", db, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["extras"]["usage_extras"]["copilot_quota"]["premium_interactions"] == PREMIUM
    assert row["attempt"] == 1 and row["operation_id"] == row["call_id"]


def _no_usage(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "usage"}


COUNT_HEADERS = (("x-usage-input-tokens", "1200"), ("x-usage-output-tokens", "300"))


def test_registered_header_mapping_fills_a_body_without_usage(tmp_path: Path) -> None:
    body = _no_usage(rec.openai_chat("gpt-4o-mini-2024-07-18", "ok", 1, 1, response_id="h1"))
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body, headers=COUNT_HEADERS))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    register_usage_headers(
        {"X-Usage-Input-Tokens": "input_tokens", "x-usage-output-tokens": "output_tokens"}
    )
    try:
        with observer.task("t1"):
            client.chat.completions.create(model="gpt-4o-mini", messages=ask())
    finally:
        clear_usage_headers()
    observer.shutdown()

    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert (call["input_tokens"], call["output_tokens"], call["usage_reported"]) == (1200, 300, 1)
    # 1,200 x 0.15 + 300 x 0.60 = 180 + 180 = 360 per 1M = $0.00036.
    assert call["cost_pusd"] == 360_000_000
    assert json.loads(call["extras"])["usage_extras"]["usage_source"] == "headers"


def test_header_map_given_to_instrument_fills_an_anthropic_message(tmp_path: Path) -> None:
    # A proxy that strips usage from the body and sends the counts as headers.
    body = _no_usage(
        rec.anthropic_message(SONNET, "hi", rec.anthropic_usage(1, 1), message_id="msg_hdr1")
    )
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, body, headers=COUNT_HEADERS))
    observer = make_observer(tmp_path)
    client = instrument(
        anthropic.Anthropic(
            api_key="test-key", max_retries=0, http_client=script.http_client(anthropic)
        ),
        observer=observer,
        header_map={
            "x-usage-input-tokens": "input_tokens",
            "x-usage-output-tokens": "output_tokens",
        },
    )
    with observer.task("t1"):
        client.messages.create(model=SONNET, max_tokens=100, messages=ask())
    observer.shutdown()

    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert (call["provider"], call["input_tokens"], call["output_tokens"]) == (
        "anthropic",
        1200,
        300,
    )
    # 1,200 x 3 + 300 x 15 = 3,600 + 4,500 = 8,100 per 1M = $0.0081.
    assert call["cost_pusd"] == 8_100_000_000


def test_with_raw_response_through_an_instrumented_client(tmp_path: Path) -> None:
    script = Script(Exchange(COPILOT_HOST, "gpt-4o", _scan("c-raw"), headers=QUOTA_HEADERS))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, base_url=COPILOT_URL)
    with observer.task("t1"):
        raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=ask())
    observer.shutdown()

    # The caller still gets the raw wrapper, its headers and its parsed body.
    assert raw.headers["x-quota-snapshot-premium_interactions"].startswith("ent=300")
    assert raw.parse().id == "c-raw"
    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert (call["input_tokens"], call["output_tokens"], call["usage_reported"]) == (3200, 410, 1)
    quota = json.loads(call["extras"])["usage_extras"]["copilot_quota"]
    assert quota["premium_interactions"] == PREMIUM
