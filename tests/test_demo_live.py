"""``tessera demo --live``: keys required; the live team measured against a local transport."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from runtime_support import ANTHROPIC_HOST, OPENAI_HOST, Script
from tessera.cli import main
from tessera.demo import recordings as rec
from tessera.demo.live import ANTHROPIC_MODEL, OPENAI_MODEL, live_clients, run_live_demo, verdict
from tessera.demo.transport import Exchange
from tessera.runtime.observer import Observer


def test_live_without_keys_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert main(["demo", "--live"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "OPENAI_API_KEY and ANTHROPIC_API_KEY" in err


def _review(coverage: float, quality: float, prompt: int, rid: str) -> Exchange:
    text = json.dumps({"coverage": coverage, "quality": quality, "notes": "ok"})
    return Exchange(
        OPENAI_HOST,
        OPENAI_MODEL,
        rec.openai_chat_stream(OPENAI_MODEL, text, prompt, 40, response_id=rid),
    )


def _write(uncached: int, output: int, mid: str) -> Exchange:
    usage = rec.anthropic_usage(uncached, output)
    return Exchange(
        ANTHROPIC_HOST,
        ANTHROPIC_MODEL,
        rec.anthropic_stream(ANTHROPIC_MODEL, "def total(): ...", usage, message_id=mid),
    )


def test_live_team_runs_until_the_reviewer_is_satisfied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    script = Script(
        Exchange(
            OPENAI_HOST,
            OPENAI_MODEL,
            rec.openai_chat(OPENAI_MODEL, "1. read 2. sum 3. print", 300, 150, response_id="plan"),
        ),
        _write(400, 500, "msg_w1"),
        _review(80.0, 0.8, 700, "rev1"),
        _write(900, 600, "msg_w2"),
        _review(92.0, 0.95, 1200, "rev2"),
        Exchange(
            OPENAI_HOST,
            OPENAI_MODEL,
            rec.openai_chat(OPENAI_MODEL, "Totals amounts.", 800, 60, response_id="docs"),
        ),
    )
    db = tmp_path / "live.db"
    observer = Observer(db=db, traces_file=tmp_path / "t.jsonl")
    outcome = run_live_demo(observer, live_clients(observer, script.http_client))
    observer.shutdown()
    assert script.remaining == 0
    # Round 1: 80 < 90 and 0.8 < 0.9, continue; round 2: 92 ≥ 90 and 0.95 ≥ 0.90, stop.
    assert [go for _, go, _ in outcome.decisions] == [True, False]
    assert "targets met" in outcome.decisions[-1][2]
    with sqlite3.connect(db) as conn:
        (calls, pusd) = conn.execute("SELECT COUNT(*), SUM(cost_pusd) FROM llm_calls").fetchone()
    # gpt-4o-mini 0.15 / 0.60, claude-3-5-haiku 0.80 / 4 (USD per MTok):
    # plan    300×0.15 + 150×0.60 =   135
    # write1  400×0.80 + 500×4    = 2,320
    # review1 700×0.15 +  40×0.60 =   129
    # write2  900×0.80 + 600×4    = 3,120
    # review2 1,200×0.15 + 40×0.60 =  204
    # docs    800×0.15 +  60×0.60 =   156  → 6,064 per MTok-unit = $0.006064
    assert calls == 6
    assert Decimal(pusd) / 10**12 == Decimal("0.006064")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"coverage": 85, "quality": 0.9}', (85.0, 0.9)),
        ('{"coverage": 85, "quality": 90}', (85.0, 0.9)),  # quality given as a percentage
        ('{"coverage": 140, "quality": -1}', (100.0, 0.0)),
    ],
)
def test_verdict_reads_and_bounds_scores(text: str, expected: tuple[float, float]) -> None:
    assert verdict(text) == pytest.approx(expected)


def test_verdict_refuses_prose() -> None:
    with pytest.raises(ValueError, match="did not answer with the JSON"):
        verdict("Looks good to me!")
