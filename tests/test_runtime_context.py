"""Calls land in the right task, and their spans under the right parent, across
asyncio tasks and thread pools."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runtime_support import OPENAI_HOST, Script, ask, make_observer, openai_client, rows, spans
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.runtime.context import ContextExecutor, submit_with_context

MINI = "gpt-4o-mini-2024-07-18"


def _answer(prompt: int, n: int = 1) -> list[Exchange]:
    body = rec.openai_chat(MINI, "ok", prompt, 10, response_id=f"chatcmpl-{prompt}")
    return [Exchange(OPENAI_HOST, "gpt-4o-mini", body) for _ in range(n)]


def _task_spans(tmp_path: Path) -> dict[str, str]:
    """span_id of each task span, by task id."""
    return {
        s["attributes"]["task_id"]: s["span_id"]
        for s in spans(tmp_path / "traces.jsonl")
        if s["name"].startswith("invoke_agent")
    }


def _chat_parents(tmp_path: Path) -> dict[str, str | None]:
    """parent_span_id of each chat span, by the chat span's id."""
    return {
        s["span_id"]: s["parent_span_id"]
        for s in spans(tmp_path / "traces.jsonl")
        if s["name"].startswith("chat")
    }


def test_gathered_coroutines_keep_their_own_task(tmp_path: Path) -> None:
    # Task "a" calls gpt-4o-mini (answered with 100 prompt tokens), task "b"
    # calls gpt-4o (200): model and counts tell which answer belongs where.
    gpt4o = rec.openai_chat("gpt-4o-2024-08-06", "ok", 200, 10, response_id="chatcmpl-4o")
    script = Script(*_answer(100, 2), *[Exchange(OPENAI_HOST, "gpt-4o", gpt4o)] * 2)
    observer = make_observer(tmp_path)
    client = openai_client(script, observer, asynchronous=True)

    async def agent(task_id: str, model: str) -> None:
        with observer.task(task_id, agent_name=f"agent-{task_id}"):
            for _ in range(2):
                await client.chat.completions.create(model=model, messages=ask())
                await asyncio.sleep(0)  # let the other task run in between

    async def main() -> None:
        await asyncio.gather(agent("a", "gpt-4o-mini"), agent("b", "gpt-4o"))

    asyncio.run(main())
    observer.shutdown()

    calls = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls ORDER BY started_at")
    assert sorted(
        (c["task_id"], c["agent_name"], c["request_model"], c["input_tokens"]) for c in calls
    ) == [
        ("a", "agent-a", "gpt-4o-mini", 100),
        ("a", "agent-a", "gpt-4o-mini", 100),
        ("b", "agent-b", "gpt-4o", 200),
        ("b", "agent-b", "gpt-4o", 200),
    ]
    task_spans = _task_spans(tmp_path)
    parents = _chat_parents(tmp_path)
    for call in calls:
        assert parents[call["span_id"]] == task_spans[call["task_id"]]
    # The two tasks really interleaved: b's first call started before a's last one.
    order = [c["task_id"] for c in calls]
    assert order.index("b") < max(i for i, t in enumerate(order) if t == "a")
    # Each task span is a root of its own trace (no run open), and its calls share it.
    trace_of = {c["task_id"]: c["trace_id"] for c in calls}
    assert trace_of["a"] != trace_of["b"]


def _call_in_thread(client: object, label: str) -> str:
    client.chat.completions.create(model="gpt-4o-mini", messages=ask(label))  # type: ignore[attr-defined]
    return label


def test_plain_thread_pool_loses_the_task(tmp_path: Path) -> None:
    # Why the helpers exist: a worker thread runs in its own context.
    script = Script(*_answer(100))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="planner"), ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_call_in_thread, client, "x").result()
    observer.shutdown()
    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert call["task_id"] is None


def test_context_executor_and_submit_with_context_carry_the_task(tmp_path: Path) -> None:
    script = Script(*_answer(100, 4))
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="planner"):
        with ContextExecutor(max_workers=2) as pool:
            labels = list(pool.map(lambda label: _call_in_thread(client, label), ["p", "q"]))
        with ThreadPoolExecutor(max_workers=2) as plain:
            futures = [submit_with_context(plain, _call_in_thread, client, x) for x in "rs"]
            labels += [f.result() for f in futures]
    with observer.task("t2", agent_name="reviewer"):
        pass
    observer.shutdown()

    assert labels == ["p", "q", "r", "s"]
    calls = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert [c["task_id"] for c in calls] == ["t1"] * 4
    task_spans = _task_spans(tmp_path)
    parents = _chat_parents(tmp_path)
    assert [parents[c["span_id"]] for c in calls] == [task_spans["t1"]] * 4
    (task_row,) = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments WHERE task_id='t1'")
    # 4 calls of 100 in + 10 out on gpt-4o-mini: 4 x (100 x 0.15 + 10 x 0.60) = 4 x 21 = 84 per 1M.
    assert (task_row["calls"], task_row["cost_pusd"]) == (4, 84_000_000)
