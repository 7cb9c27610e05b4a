"""A call reported by two layers is stored once: the provider response id decides.

Price of gpt-4o-2024-08-06 per 1M tokens: 2.50 input, 10 output.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from langchain_core.messages import HumanMessage

from runtime_support import OPENAI_HOST, Script, make_observer, openai_client, rows, spans
from tessera.demo import recordings as rec
from tessera.demo.langchain_model import OpenAIChatModel
from tessera.demo.transport import Exchange
from tessera.runtime.callback import TokenUsageCallback
from tessera.runtime.recent import RecentResponses

# 2,300 x 2.50 + 350 x 10 = 5,750 + 3,500 = 9,250 per 1M = $0.00925.
NOTES = rec.openai_chat("gpt-4o-2024-08-06", "Release notes.", 2300, 350, response_id="chatcmpl-n1")
NOTES_PUSD = 9_250_000_000


def test_langchain_model_over_an_instrumented_client_is_stored_once(tmp_path: Path) -> None:
    script = Script(Exchange(OPENAI_HOST, "gpt-4o", NOTES))
    observer = make_observer(tmp_path)
    model = OpenAIChatModel(client=openai_client(script, observer), model="gpt-4o")
    callback = TokenUsageCallback(observer)
    with observer.task("t1", agent_name="doc-writer"):
        answer = model.invoke([HumanMessage("Release notes")], config={"callbacks": [callback]})
    observer.shutdown()

    assert answer.content == "Release notes."
    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert (call["input_tokens"], call["output_tokens"], call["cost_pusd"]) == (
        2300,
        350,
        NOTES_PUSD,
    )
    task = rows(tmp_path / "metrics.db", "SELECT calls, cost_pusd FROM task_assignments")[0]
    assert (task["calls"], task["cost_pusd"]) == (1, NOTES_PUSD)
    # The callback still counts the call it saw, without storing it again.
    assert (callback.calls, callback.prompt_tokens, callback.completion_tokens) == (1, 2300, 350)
    assert callback.cost_usd == Decimal("0.00925")
    chats = [s for s in spans(tmp_path / "traces.jsonl") if s["name"].startswith("chat ")]
    assert len(chats) == 1


def test_a_second_record_of_the_same_response_in_a_task_is_dropped(tmp_path: Path) -> None:
    observer = make_observer(tmp_path)
    with observer.task("t1"):
        first = observer.record(NOTES, "openai")
        second = observer.record(NOTES, "openai")
        third = TokenUsageCallback(observer).record(NOTES, "openai")
    observer.shutdown()

    assert first is not None and first.cost_usd == Decimal("0.00925")
    assert second is None and third is None
    assert len(rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")) == 1


def test_the_same_id_in_another_task_or_from_the_wire_twice_is_kept(tmp_path: Path) -> None:
    # A replaying proxy may repeat a response id: each HTTP answer is a billed call.
    script = Script(*[Exchange(OPENAI_HOST, "gpt-4o", NOTES)] * 2)
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with observer.task("t1"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "a"}])
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "b"}])
    with observer.task("t2"):
        observer.record(NOTES, "openai")  # another task: another scope
    observer.shutdown()

    found = rows(tmp_path / "metrics.db", "SELECT task_id FROM llm_calls")
    assert sorted(r["task_id"] for r in found) == ["t1", "t1", "t2"]


def test_recent_ids_are_bounded() -> None:
    recent = RecentResponses(capacity=2)
    assert recent.claim("t", "a") and recent.claim("t", "b")
    assert not recent.claim("t", "a")
    assert recent.claim("t", "c")  # "a" (the oldest) is forgotten
    assert recent.claim("t", "a") and not recent.seen("t", "b")
