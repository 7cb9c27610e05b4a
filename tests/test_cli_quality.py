"""``tessera quality`` and a QualityMonitor resuming from the real store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.store import MetricsStore
from tessera.workflow import QualityMonitor


def test_monitor_resumes_from_the_store_and_cli_shows_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    with MetricsStore(db) as store:
        first = QualityMonitor(patience=2, store=store, run_id="run-1", name="loop")
        first.record_iteration(
            iteration=1,
            coverage=60.0,
            quality_score=0.70,
            tasks_completed=3,
            cost_usd=Decimal("0.25"),
        )
        first.record_iteration(
            iteration=2,
            coverage=70.5,
            quality_score=0.80,
            tasks_completed=2,
            cost_usd=Decimal("0.125"),
        )
    # A new process: the monitor picks up both rounds from the database.
    with MetricsStore(db) as store:
        resumed = QualityMonitor(patience=2, store=store, run_id="run-1", name="loop")
        assert [i.iteration for i in resumed.iterations] == [1, 2]
        assert resumed.iterations[1].coverage == 70.5
        resumed.record_iteration(
            iteration=3,
            coverage=70.9,
            quality_score=0.805,
            tasks_completed=1,
            cost_usd=Decimal("0.0625"),
        )
        # Coverage 60.0 → 70.9 over the last 2 rounds is +10.9, so no plateau yet.
        assert resumed.should_continue(iteration=3)[0] is True
    assert main(["quality", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["iteration"] for r in rows] == [1, 2, 3]
    assert [r["cost_usd"] for r in rows] == ["0.25", "0.125", "0.0625"]
    assert main(["quality", "--db", str(db), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("run_id,monitor,iteration,coverage,quality_score")
    assert lines[2].startswith("run-1,loop,2,70.5,0.8,2,0.125,")
    assert main(["quality", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    # 0.25 + 0.125 + 0.0625 = 0.4375 in the total row.
    assert "0.4375" in text and "70.9" in text


def test_quality_without_rounds_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    with MetricsStore(db) as store:
        store.totals()  # creates the schema
    assert main(["quality", "--db", str(db)]) == 1
    assert "no quality iterations" in capsys.readouterr().err
