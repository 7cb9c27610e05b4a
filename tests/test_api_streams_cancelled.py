"""Streams left by a cancellation or an interrupt, through the real SDK clients.

``asyncio.wait_for`` around a stream's consumption (a per-call deadline, the
usual way to bound a slow model) cancels the consuming task mid-stream: the
stream sees ``CancelledError``, a ``BaseException``. The call must be recorded
failed then, in its task, and its hard-limit reservation dropped at once,
not whenever the stream object happens to be garbage-collected.

gpt-4o-mini: 0.15 in / 0.60 out per 1M tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from runtime_support import rows
from tessera.demo import recordings as rec
from tessera.limits import CostLimits
from tessera.observability import Observer, instrument

MINI = "gpt-4o-mini-2024-07-18"
SSE = {"content-type": "text/event-stream"}


def _first_event_then_stall() -> bytes:
    body = rec.openai_chat_stream(MINI, "hello world", 100, 10, response_id="chatcmpl-stall")
    return body.split(b"\n\n")[0] + b"\n\n"


async def _stalling_body() -> AsyncIterator[bytes]:
    yield _first_event_then_stall()
    await asyncio.sleep(3600)


def _async_client(observer: Observer) -> Any:
    async def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=_stalling_body(), headers=SSE)

    http = openai.DefaultAsyncHttpxClient(transport=httpx2.MockTransport(answer))
    client = openai.AsyncOpenAI(api_key="test-key", max_retries=0, http_client=http)
    return instrument(client, observer=observer)


def _observer(tmp_path: Path, limits: CostLimits | None = None) -> Observer:
    return Observer(db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl", limits=limits)


def test_a_stream_cancelled_by_wait_for_is_recorded_failed_at_once(tmp_path: Path) -> None:
    limits = CostLimits(per_task_usd=Decimal("1"), per_task_enforcement="hard")
    observer = _observer(tmp_path, limits)
    client = _async_client(observer)
    kept: list[Any] = []  # the program still holds the stream: no garbage collection helps

    async def consume() -> None:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=100,
        )
        kept.append(stream)
        async for _ in stream:
            pass

    async def main() -> None:
        with observer.task("t-deadline", agent_name="caller"):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(consume(), 0.2)
            # Still inside the task, right after the deadline.
            calls = rows(tmp_path / "m.db", "SELECT status, error_type, task_id FROM llm_calls")
            assert [tuple(c) for c in calls] == [("error", "CancelledError", "t-deadline")]
            held = rows(tmp_path / "m.db", "SELECT COUNT(*) FROM cost_reservations")
            assert held[0][0] == 0

    asyncio.run(main())
    observer.shutdown()
    (task,) = rows(tmp_path / "m.db", "SELECT status, calls FROM task_assignments")
    assert tuple(task) == ("completed", 1)
    assert len(kept) == 1


def test_keyboard_interrupt_inside_a_sync_stream_is_recorded_failed(tmp_path: Path) -> None:
    observer = _observer(tmp_path)
    body = rec.openai_chat_stream(MINI, "hello world " * 4, 100, 10, response_id="chatcmpl-k")

    def chunks() -> Iterator[bytes]:
        parts = body.split(b"\n\n")
        yield parts[0] + b"\n\n"
        raise KeyboardInterrupt  # Ctrl-C while the socket is being read

    http = openai.DefaultHttpxClient(
        transport=httpx2.MockTransport(
            lambda request: httpx2.Response(200, content=chunks(), headers=SSE)
        )
    )
    client = instrument(
        openai.OpenAI(api_key="test-key", max_retries=0, http_client=http), observer=observer
    )
    kept = []
    with pytest.raises(KeyboardInterrupt), observer.task("t-ctrl-c"):
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        kept.append(stream)
        for _ in stream:
            pass
    calls = rows(tmp_path / "m.db", "SELECT status, error_type, task_id FROM llm_calls")
    assert [tuple(c) for c in calls] == [("error", "KeyboardInterrupt", "t-ctrl-c")]
    (task,) = rows(tmp_path / "m.db", "SELECT status, calls FROM task_assignments")
    assert tuple(task) == ("failed", 1)
    observer.shutdown()
    assert len(kept) == 1
