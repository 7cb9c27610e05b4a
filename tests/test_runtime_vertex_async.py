"""``AsyncAnthropicVertex`` streams through ``instrument``: ``create(stream=True)``, ``stream()``.

Price of claude-sonnet-4 on vertex_ai per 1M tokens: 3 input, 0.30 cache read,
3.75 cache write (5 min), 15 output. Input = uncached + cache read + cache write.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import anthropic

from runtime_support import SONNET, VERTEX_HOST, Script, anthropic_client, ask, make_observer, rows
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange

VERTEX_MODEL = "claude-sonnet-4@20250514"


def _stream(uncached: int, output: int, message_id: str, **cache: int) -> bytes:
    usage = rec.anthropic_usage(uncached, output, **cache)
    return rec.anthropic_stream(SONNET, "streamed on Vertex", usage, message_id=message_id)


def test_async_vertex_create_stream_and_stream_helper(tmp_path: Path) -> None:
    script = Script(
        Exchange(VERTEX_HOST, VERTEX_MODEL, _stream(35, 2210, "msg_vrtx_a1", cache_read=4096)),
        Exchange(VERTEX_HOST, VERTEX_MODEL, _stream(12, 640, "msg_vrtx_a2", cache_write_5m=2048)),
    )
    observer = make_observer(tmp_path)
    client = anthropic_client(
        script,
        observer,
        anthropic.AsyncAnthropicVertex,
        project_id="p",
        region="us-east5",
        access_token="token",
    )

    async def main() -> tuple[str, str]:
        with observer.task("t1", agent_name="python-expert"):
            events = await client.messages.create(
                model=VERTEX_MODEL, max_tokens=4096, messages=ask(), stream=True
            )
            first = "".join([e.delta.text async for e in events if e.type == "content_block_delta"])
            async with client.messages.stream(
                model=VERTEX_MODEL, max_tokens=4096, messages=ask()
            ) as stream:
                second = await stream.get_final_text()
        return first, second

    assert asyncio.run(main()) == ("streamed on Vertex", "streamed on Vertex")
    observer.shutdown()

    found = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls ORDER BY started_at")
    assert [(c["provider"], c["stream"], c["task_id"]) for c in found] == [
        ("vertex_ai", 1, "t1"),
        ("vertex_ai", 1, "t1"),
    ]
    first, second = found
    # 35 + 4,096 read = 4,131 input; 35 x 3 + 4,096 x 0.30 + 2,210 x 15
    # = 105 + 1,228.8 + 33,150 = 34,483.8 per 1M.
    assert (first["input_tokens"], first["cache_read_tokens"], first["output_tokens"]) == (
        4131,
        4096,
        2210,
    )
    assert first["cost_pusd"] == 34_483_800_000
    # 12 + 2,048 written = 2,060 input; 12 x 3 + 2,048 x 3.75 + 640 x 15
    # = 36 + 7,680 + 9,600 = 17,316 per 1M.
    assert (second["input_tokens"], second["cache_write_tokens"], second["output_tokens"]) == (
        2060,
        2048,
        640,
    )
    assert second["cost_pusd"] == 17_316_000_000
    task = rows(tmp_path / "metrics.db", "SELECT calls, cost_pusd FROM task_assignments")[0]
    # 34,483.8 + 17,316 = 51,799.8 per 1M.
    assert (task["calls"], task["cost_pusd"]) == (2, 51_799_800_000)


def test_async_vertex_stream_helper_left_early_is_still_recorded(tmp_path: Path) -> None:
    script = Script(Exchange(VERTEX_HOST, VERTEX_MODEL, _stream(20, 30, "msg_vrtx_a3")))
    observer = make_observer(tmp_path)
    client = anthropic_client(
        script,
        observer,
        anthropic.AsyncAnthropicVertex,
        project_id="p",
        region="us-east5",
        access_token="token",
    )

    async def main() -> None:
        with observer.task("t1"):
            async with client.messages.stream(
                model=VERTEX_MODEL, max_tokens=100, messages=ask()
            ) as stream:
                async for _event in stream:
                    break  # the caller stops reading after the first event

    asyncio.run(main())
    observer.shutdown()
    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    # Only message_start was read: its input (20) and placeholder output (1) are what is known.
    assert (call["provider"], call["input_tokens"], call["output_tokens"]) == ("vertex_ai", 20, 1)
    assert call["status"] == "ok"
