"""Under a hard limit, a call whose cost stays unknown keeps counting at its reserved bound."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from runtime_support import OPENAI_HOST, Script, ask, openai_client
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.errors import CostLimitExceeded
from tessera.limits import CostLimits
from tessera.runtime.observer import Observer

CAP = Decimal("0.003")
BOUND = "0.002"  # the bound each call reserves (observer.estimate)


def _stream_without_usage() -> bytes:
    # A chat stream requested without include_usage: no usage chunk at all.
    body = rec.openai_chat_stream("gpt-4o-mini", "partial answer", 10, 5, response_id="s1")
    lines = [line for line in body.split(b"\n\n") if b'"usage": {' not in line]
    return b"\n\n".join(lines)


def _observer(tmp_path: Path) -> Observer:
    return Observer(
        db=tmp_path / "m.db",
        traces_file=tmp_path / "t.jsonl",
        limits=CostLimits(per_task_usd=CAP, per_task_enforcement="hard"),
    )


def test_a_stream_without_usage_holds_its_bound(tmp_path: Path) -> None:
    script = Script(
        Exchange(OPENAI_HOST, "gpt-4o-mini", _stream_without_usage()),
        Exchange(
            OPENAI_HOST, "gpt-4o-mini", rec.openai_chat("gpt-4o-mini", "x", 10, 5, response_id="r2")
        ),
    )
    observer = _observer(tmp_path)
    client = openai_client(script, observer)
    with (
        pytest.raises(CostLimitExceeded) as refused,
        observer.task("t1", agent_name="a"),
        observer.estimate(BOUND),
    ):
        for _chunk in client.chat.completions.create(
            model="gpt-4o-mini", messages=ask(), stream=True
        ):
            pass
        # The first call's cost is unknown; it still counts at $0.002, so
        # $0.002 held + $0.002 for this one = $0.004 > $0.003: refused.
        client.chat.completions.create(model="gpt-4o-mini", messages=ask())
    observer.shutdown()
    assert refused.value.spent_usd == Decimal(BOUND)
    assert len(script.requests) == 1
    with sqlite3.connect(tmp_path / "m.db") as conn:
        row = conn.execute(
            "SELECT cost_usd, cost_status, usage_reported, held_pusd FROM llm_calls"
        ).fetchone()
    # Reports still say the truth: cost unknown, usage not reported.
    assert row == (None, "no_usage", 0, 2_000_000_000)


def test_a_request_that_failed_before_any_answer_holds_nothing(tmp_path: Path) -> None:
    script = Script(
        Exchange(OPENAI_HOST, "gpt-4o-mini", {"error": {"message": "boom"}}, status=500),
        Exchange(
            OPENAI_HOST, "gpt-4o-mini", rec.openai_chat("gpt-4o-mini", "x", 10, 5, response_id="r2")
        ),
    )
    observer = _observer(tmp_path)
    client = openai_client(script, observer)
    import openai

    with observer.task("t1", agent_name="a"), observer.estimate(BOUND):
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="gpt-4o-mini", messages=ask())
        # Nothing was billed for the 500, so $0.002 still fits under $0.003.
        client.chat.completions.create(model="gpt-4o-mini", messages=ask())
    observer.shutdown()
    assert len(script.requests) == 2
