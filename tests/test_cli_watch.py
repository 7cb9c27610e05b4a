"""``tessera watch``: today's spend per agent and model, running tasks and limits."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tessera.cli import main
from tessera.config import TesseraConfig
from tessera.demo import recordings as rec
from tessera.report.today import day_bounds
from tessera.runtime.observer import Observer

LIMITS = """\
cost:
  timezone: UTC
  limits:
    global:
      daily_usd: 0.02
      enforcement: soft
    per_task:
      max_usd: "0.001"
"""


@pytest.fixture
def observer(tmp_path: Path) -> Iterator[Observer]:
    # The observer itself runs without limits: this test watches, it does not enforce.
    watched = Observer(
        db=tmp_path / "metrics.db", traces_file=tmp_path / "traces.jsonl", config=TesseraConfig()
    )
    yield watched
    watched.shutdown()


def _fill(observer: Observer) -> None:
    # Yesterday, outside any task: gpt-4o-mini 100,000 in × $0.15/MTok = $0.015, not today.
    observer.record(
        rec.openai_chat("gpt-4o-mini", "old", 100_000, 0, response_id="old"),
        "openai",
        started_at=datetime.now(UTC) - timedelta(days=1),
    )
    with observer.task("t1", agent_name="coder", phase="build"):
        # gpt-4o-mini 0.15 / 0.60 per MTok: 10,000×0.15 + 2,000×0.60 = 2,700 → $0.0027
        observer.record(rec.openai_chat("gpt-4o-mini", "x", 10_000, 2_000, response_id="r1"))
    with observer.task("t2", agent_name="reviewer", phase="review"):
        # claude-sonnet-4 3 / 15 per MTok: 1,000×3 + 500×15 = 10,500 → $0.0105
        message = rec.anthropic_message(
            "claude-sonnet-4-20250514", "y", rec.anthropic_usage(1000, 500), message_id="m1"
        )
        observer.record(message, "anthropic")


def _watch(
    capsys: pytest.CaptureFixture[str], db: Path, *extra: str
) -> tuple[str, list[list[str]]]:
    assert main(["watch", "--once", "--db", str(db), *extra]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    return out, [line.split() for line in out.splitlines()]


def test_once_shows_today_limits_and_running_task(
    observer: Observer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(LIMITS)
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    _fill(observer)
    with observer.task("t3", agent_name="coder", phase="fix"):
        # Still running: 1,000×0.15 + 500×0.60 = 450 → $0.00045
        observer.record(rec.openai_chat("gpt-4o-mini", "z", 1_000, 500, response_id="r3"))
        out, rows = _watch(capsys, tmp_path / "metrics.db")
    today = datetime.now(UTC).date().isoformat()
    # Today: 0.0027 + 0.0105 + 0.00045 = 0.01365 over 3 calls; yesterday's $0.015 left out.
    assert f"Today {today}: $0.013650 in 3 calls" in out
    # Daily cap 0.02: left 0.02 - 0.01365 = 0.00635, used 0.01365 / 0.02 = 68.25% → 68%.
    assert ["daily", "$0.020000", "$0.013650", "$0.006350", "68%", "soft"] in rows
    # Per-task cap 0.001, the running t3 spent 0.00045: left 0.00055, 45%; hard is the default.
    per_task = ["per", "task", "(top", "running)", "$0.001000", "$0.000450", "$0.000550"]
    assert [*per_task, "45%", "hard"] in rows
    # By agent: coder 0.0027 + 0.00045 = 0.00315 in 2 calls, 10,000 + 1,000 = 11,000 in,
    # 2,000 + 500 = 2,500 out; reviewer 0.0105.
    assert ["coder", "2", "11,000", "2,500", "$0.003150"] in rows
    assert ["reviewer", "1", "1,000", "500", "$0.010500"] in rows
    assert ["gpt-4o-mini", "2", "11,000", "2,500", "$0.003150"] in rows
    assert ["claude-sonnet-4-20250514", "1", "1,000", "500", "$0.010500"] in rows
    # Running: only t3 (t1 and t2 finished), $0.00045 = 45% of its cap.
    running = [row for row in rows if row and row[0] in {"t1", "t2", "t3"}]
    assert len(running) == 1
    assert running[0][:3] == ["t3", "coder", "fix"]
    assert running[0][-2:] == ["$0.000450", "45%"]


def test_once_without_limits_or_calls(
    observer: Observer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with observer.task("t0", agent_name="idle"):
        pass
    out, _ = _watch(capsys, tmp_path / "metrics.db")
    assert "$0.000000 in 0 calls" in out
    assert "Limits" not in out
    assert "Today by agent: no calls yet" in out
    assert "Running tasks: none" in out


def test_a_reached_limit_is_red_unless_no_color(
    observer: Observer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.yaml"
    # Cap $0.01 < today's 0.0027 + 0.0105 = 0.0132: used 132%, nothing left.
    config.write_text("cost:\n  timezone: UTC\n  limits:\n    global:\n      daily_usd: 0.01\n")
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    _fill(observer)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["watch", "--once", "--db", str(tmp_path / "metrics.db")]) == 0
    colored = capsys.readouterr().out
    assert "\x1b[1;31m" in colored  # bold red
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["watch", "--once", "--db", str(tmp_path / "metrics.db")]) == 0
    plain = capsys.readouterr().out
    assert "132%" in plain and "$0.000000" in plain
    assert "31m" not in plain and "33m" not in plain


def test_live_refreshes_until_interrupted(
    observer: Observer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fill(observer)
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    # The package's ``watch`` attribute is the command; the module is in sys.modules.
    monkeypatch.setattr(sys.modules["tessera.cli.watch"], "sleep", fake_sleep)
    assert main(["watch", "--interval", "0.5", "--db", str(tmp_path / "metrics.db")]) == 0
    # Two waits of the interval: the first refresh happened, the second wait was interrupted.
    assert sleeps == [0.5, 0.5]
    assert "$0.013200 in 2 calls" in capsys.readouterr().out


def test_interval_must_be_positive(observer: Observer, tmp_path: Path) -> None:
    _fill(observer)
    assert main(["watch", "--interval", "0", "--db", str(tmp_path / "metrics.db")]) == 2


def test_day_bounds_follow_the_zone_across_dst() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 2026-03-29 is the spring-forward day in Paris: 23 hours, midnight at 23:00 UTC before.
    day, start, end = day_bounds(datetime(2026, 3, 29, 12, tzinfo=UTC), paris)
    assert day.isoformat() == "2026-03-29"
    assert start == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, tzinfo=UTC)
    # 23:30 UTC on the 29th is already the 30th in Paris (UTC+2).
    day, _, _ = day_bounds(datetime(2026, 3, 29, 23, 30, tzinfo=UTC), paris)
    assert day.isoformat() == "2026-03-30"
