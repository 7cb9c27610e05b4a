"""Anthropic's ``messages.stream()`` helper under a hard limit.

The helper returns a manager; the request goes out when the ``with`` block is
entered. A manager made but never entered (built ahead, then not needed) sends
nothing: it must not hold a reservation of the task's budget for 30 minutes.

claude-sonnet-4: $3 in / $15 out per 1M tokens.
"""

from __future__ import annotations

import gc
from decimal import Decimal
from pathlib import Path

import pytest

from runtime_support import ANTHROPIC_HOST, SONNET, Script, anthropic_client, ask, rows
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.limits import CostLimits
from tessera.observability import CostLimitExceeded, Observer


def _observer(tmp_path: Path, cap: str) -> Observer:
    limits = CostLimits(per_task_usd=Decimal(cap), per_task_enforcement="hard")
    return Observer(db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl", limits=limits)


def _stream_exchange() -> Exchange:
    usage = rec.anthropic_usage(100, 50)
    body = rec.anthropic_stream(SONNET, "hello", usage, message_id="msg_helper")
    return Exchange(ANTHROPIC_HOST, SONNET, body)


def test_a_helper_never_entered_holds_no_reservation(tmp_path: Path) -> None:
    observer = _observer(tmp_path, "1")
    script = Script(_stream_exchange())
    client = anthropic_client(script, observer)
    with observer.task("t1"):
        unused = client.messages.stream(model=SONNET, max_tokens=100, messages=ask())
        del unused
        gc.collect()
        held = rows(tmp_path / "m.db", "SELECT COUNT(*) FROM cost_reservations")
        assert held[0][0] == 0
        with client.messages.stream(model=SONNET, max_tokens=100, messages=ask()) as stream:
            for _ in stream:
                pass
    observer.shutdown()
    calls = rows(tmp_path / "m.db", "SELECT task_id, status, input_tokens FROM llm_calls")
    assert [tuple(c) for c in calls] == [("t1", "ok", 100)]
    assert script.remaining == 0


def test_a_helper_past_the_cap_is_refused_on_entering_and_sends_nothing(tmp_path: Path) -> None:
    observer = _observer(tmp_path, "0.001")  # max_tokens 100 at $15/M is $0.0015 alone
    script = Script(_stream_exchange())
    client = anthropic_client(script, observer)
    with observer.task("t1"):
        manager = client.messages.stream(model=SONNET, max_tokens=100, messages=ask())
        with pytest.raises(CostLimitExceeded), manager as stream:
            for _ in stream:
                pass
    observer.shutdown()
    assert script.remaining == 1  # no request went out
    assert rows(tmp_path / "m.db", "SELECT COUNT(*) FROM llm_calls")[0][0] == 0
    assert rows(tmp_path / "m.db", "SELECT COUNT(*) FROM cost_reservations")[0][0] == 0
