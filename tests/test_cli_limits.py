"""``tessera limits``: spend, reservations and what is left, from the configured limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.demo import recordings as rec
from tessera.runtime.observer import Observer
from tessera.store.ledger import SpendLedger


def test_limits_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "cost:\n  timezone: Asia/Tokyo\n  limits:\n    global:\n"
        "      daily_usd: 1\n      enforcement: hard\n"
        "    per_task:\n      max_usd: 0.5\n"
    )
    db = tmp_path / "m.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    with observer.task("done", agent_name="a"):
        # gpt-4o 2.50 / 10: 20,000×2.50 + 5,000×10 = 100,000 → $0.10.
        observer.record(
            rec.openai_chat("gpt-4o-2024-08-06", "x", 20_000, 5_000, response_id="r1"), "openai"
        )
    assert observer.store is not None
    # A call in flight elsewhere holds $0.25.
    SpendLedger(observer.store).admit(
        [], call_id="inflight", task_id=None, estimate_usd=Decimal("0.25"), now=datetime.now(UTC)
    )
    observer.shutdown()
    assert main(["--config", str(config), "limits", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    daily = next(r for r in rows if r["limit"] == "cost.limits.global.daily_usd")
    # Left: $1 − $0.10 spent − $0.25 reserved = $0.65.
    assert (daily["spent_usd"], daily["reserved_usd"], daily["left_usd"]) == ("0.1", "0.25", "0.65")
    assert daily["enforcement"] == "hard"
    assert daily["resets_at"].endswith("+09:00")  # the next Tokyo midnight
    per_task = next(r for r in rows if r["limit"] == "cost.limits.per_task.max_usd")
    assert per_task["cap_usd"] == "0.5" and per_task["enforcement"] == "hard"
    assert main(["--config", str(config), "limits", "--db", str(db), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "limit,enforcement,cap_usd,spent_usd,reserved_usd,left_usd,scope,resets_at"
    assert lines[1].startswith("cost.limits.global.daily_usd,hard,1,0.1,0.25,0.65,day ")


def test_limits_without_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "m.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    # gpt-4o-mini: 1,000×0.15 + 1,000×0.60 = 750 → $0.00075 today.
    observer.record(rec.openai_chat("gpt-4o-mini", "x", 1000, 1000, response_id="r"), "openai")
    observer.shutdown()
    assert main(["limits", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "$0.000750 spent; no limits configured" in out
    assert main(["limits", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
