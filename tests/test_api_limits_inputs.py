"""Hard limits given bad numbers from Python, and a ledger that fails.

A cap or an estimate that is negative, NaN or a typo must be refused when it
is given, not turn a hard limit off silently; a ledger that cannot be reached
must not make the call vanish from the records.

gpt-4o: 2.50 in / 10 out per 1M tokens: 1,000 in and 100 out cost $0.0035.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from runtime_support import rows
from tessera.demo import recordings as rec
from tessera.limits import CostLimits
from tessera.observability import CostLimitExceeded, Observer, instrument


def _client(observer: Observer) -> Any:
    ids = itertools.count()

    def answer(request: httpx2.Request) -> httpx2.Response:
        model = json.loads(request.content)["model"]
        body = rec.openai_chat(model, "ok", 1000, 100, response_id=f"chatcmpl-{next(ids)}")
        return httpx2.Response(200, json=body)

    http = openai.DefaultHttpxClient(transport=httpx2.MockTransport(answer))
    client = openai.OpenAI(api_key="test-key", max_retries=0, http_client=http)
    return instrument(client, observer=observer)


def _ask(client: Any) -> None:
    client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}], max_tokens=100
    )


def _observer(tmp_path: Path, limits: CostLimits) -> Observer:
    return Observer(db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl", limits=limits)


HARD = CostLimits(per_task_usd=Decimal("0.005"), per_task_enforcement="hard")


@pytest.mark.parametrize("usd", [-1, "-0.01", "NaN", float("nan"), "Infinity", "abc", True])
def test_estimate_refuses_a_bound_that_is_not_a_finite_amount(tmp_path: Path, usd: Any) -> None:
    # Before: estimate(-1) admitted every call (the cap was passed many times
    # over), and estimate("NaN") sent every call unrecorded.
    observer = _observer(tmp_path, HARD)
    with pytest.raises(ValueError, match="estimate"):
        observer.estimate(usd)
    observer.shutdown()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"per_task_usd": Decimal("NaN")}, "per_task_usd"),
        ({"per_task_usd": -1}, "per_task_usd"),
        ({"daily_usd": "ten"}, "daily_usd"),
        ({"daily_usd": float("inf")}, "daily_usd"),
        ({"per_task_usd": Decimal(1), "per_task_enforcement": "Hard"}, "per_task_enforcement"),
        ({"daily_usd": Decimal(1), "daily_enforcement": "strict"}, "daily_enforcement"),
        ({"per_task_usd": Decimal(1), "unpriced": "alow"}, "unpriced"),
        ({"default_max_output_tokens": 0}, "default_max_output_tokens"),
        ({"default_max_output_tokens": 10.5}, "default_max_output_tokens"),
    ],
)
def test_cost_limits_refuse_bad_values_when_made(kwargs: dict[str, Any], field: str) -> None:
    # "Hard" used to be taken as soft: a hard limit silently off.
    with pytest.raises(ValueError, match=field):
        CostLimits(**kwargs)


def test_cost_limits_take_plain_numbers_as_exact_decimals() -> None:
    limits = CostLimits(daily_usd=0.1, per_task_usd="2", daily_enforcement="hard")
    assert limits.daily_usd == Decimal("0.1")
    assert limits.per_task_usd == Decimal("2")


def test_a_float_cap_is_held_like_a_decimal_one(tmp_path: Path) -> None:
    observer = _observer(tmp_path, CostLimits(per_task_usd=0.004, per_task_enforcement="hard"))
    client = _client(observer)
    with observer.task("t1"):
        _ask(client)
        with pytest.raises(CostLimitExceeded):
            _ask(client)
    observer.shutdown()


def test_a_ledger_fault_refuses_under_a_hard_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The ledger cannot be reached (a lock held past the busy timeout, a shared
    # store that is down): a hard limit that cannot be checked lets no money out.
    observer = _observer(tmp_path, HARD)
    assert observer.guard is not None

    def locked(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(observer.guard._ledger, "admit", locked)
    client = _client(observer)
    with pytest.raises(CostLimitExceeded) as refused, observer.task("t1"):
        _ask(client)
    observer.shutdown()
    assert "cannot be read (OperationalError: database is locked)" in str(refused.value)
    assert rows(tmp_path / "m.db", "SELECT COUNT(*) AS n FROM llm_calls")[0]["n"] == 0
    (task,) = rows(tmp_path / "m.db", "SELECT status, error_message FROM task_assignments")
    assert task["status"] == "failed" and "the request was not sent" in task["error_message"]
    # The task itself checks the limits first, and is refused before any call.
    names = [json.loads(line)["name"] for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert names.count("chat gpt-4o") == 0


def test_a_ledger_fault_at_a_call_refuses_that_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    observer = _observer(tmp_path, HARD)
    assert observer.guard is not None
    client = _client(observer)
    with pytest.raises(CostLimitExceeded), observer.task("t1"):
        # The store fails after the task began: the call is refused, not sent.
        def down(*args: Any, **kwargs: Any) -> None:
            raise sqlite3.OperationalError("unable to open database file")

        monkeypatch.setattr(observer.guard._ledger, "admit", down)
        _ask(client)
    observer.shutdown()
    assert rows(tmp_path / "m.db", "SELECT COUNT(*) AS n FROM llm_calls")[0]["n"] == 0
    spans = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    (chat,) = [s for s in spans if s["name"] == "chat gpt-4o"]
    assert chat["status"]["code"] == "ERROR"
    assert [e["name"] for e in chat["events"]] == ["tessera.cost_limit.refused"]
