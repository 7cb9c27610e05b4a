"""``tessera report``, ``costs`` and ``tasks`` over a store filled through the recording API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.demo import recordings as rec
from tessera.runtime.observer import Observer


@pytest.fixture
def filled_db(tmp_path: Path) -> Path:
    db = tmp_path / "metrics.db"
    observer = Observer(db=db, traces_file=tmp_path / "traces.jsonl")
    with observer.run("cli test"):
        with observer.task("t1", agent_name="coder", phase="build"):
            # gpt-4o-mini 0.15 / 0.60 per MTok: 10,000×0.15 + 2,000×0.60 = 2,700 → $0.0027
            observer.record(
                rec.openai_chat("gpt-4o-mini", "x", 10_000, 2_000, response_id="r1"), "openai"
            )
        with pytest.raises(RuntimeError), observer.task("t2", agent_name="coder", phase="build"):
            # claude-sonnet-4: 1,000×3 + 500×15 = 10,500 → $0.0105
            observer.record(
                rec.anthropic_message(
                    "claude-sonnet-4-20250514",
                    "y",
                    rec.anthropic_usage(1000, 500),
                    message_id="msg_1",
                ),
                "anthropic",
            )
            raise RuntimeError("tests failed")
        with observer.task("t3", agent_name="reviewer", phase="review"):
            # gpt-4o 2.50 / 10 (cached 1.25): 4,000 incl. 2,048 cached, 100 out:
            # 1,952×2.50 + 2,048×1.25 + 100×10 = 4,880 + 2,560 + 1,000 = 8,440 → $0.00844
            observer.record(
                rec.openai_chat("gpt-4o-2024-08-06", "z", 4000, 100, cached=2048, response_id="r3"),
                "openai",
            )
    observer.shutdown()
    return db


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_json(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "report", "--db", str(filled_db))
    assert isinstance(rows, list)
    by_agent = {row["agent_name"]: row for row in rows}
    # coder: t1 ok ($0.0027) + t2 failed ($0.0105) = $0.0132, 1 of 2 succeeded.
    assert by_agent["coder"]["tasks"] == 2
    assert by_agent["coder"]["successes"] == 1
    assert by_agent["coder"]["success_rate"] == 0.5
    assert by_agent["coder"]["total_cost_usd"] == "0.0132"
    assert by_agent["reviewer"]["total_cost_usd"] == "0.00844"
    # Most expensive agent first.
    assert [row["agent_name"] for row in rows] == ["coder", "reviewer"]


def test_costs_by_model_and_agent(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    by_model = run_json(capsys, "costs", "--by", "model", "--db", str(filled_db))
    assert isinstance(by_model, list)
    costs = {row["key"]: row["cost_usd"] for row in by_model}
    assert costs == {
        "claude-sonnet-4-20250514": "0.0105",
        "gpt-4o-2024-08-06": "0.00844",
        "gpt-4o-mini": "0.0027",
    }
    by_day = run_json(capsys, "costs", "--by", "day", "--db", str(filled_db))
    assert isinstance(by_day, list) and len(by_day) == 1
    # 0.0027 + 0.0105 + 0.00844 = 0.02164; tokens in 10,000 + 1,000 + 4,000 = 15,000.
    assert by_day[0]["cost_usd"] == "0.02164"
    assert by_day[0]["input_tokens"] == 15_000


def test_tasks_json_and_failed_filter(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failed = run_json(capsys, "tasks", "--status", "failed", "--db", str(filled_db))
    assert isinstance(failed, list)
    assert [(t["task_id"], t["error_message"]) for t in failed] == [
        ("t2", "RuntimeError: tests failed")
    ]


def test_tables_fit_80_columns(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["report"], ["costs", "--by", "model"], ["tasks"]):
        assert main([*command, "--db", str(filled_db)]) == 0
        out = capsys.readouterr().out
        assert max(len(line) for line in out.splitlines()) <= 80, command
        assert "coder" in out or "gpt-4o-mini" in out


def test_missing_database_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(tmp_path / "nope.db")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope.db" in err


def test_not_a_database_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n")
    assert main(["report", "--db", str(bogus)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "notes.db" in err
    assert bogus.read_text() == "these are my notes, not a database\n"


def test_unknown_group_is_a_usage_error(filled_db: Path) -> None:
    assert main(["costs", "--by", "week", "--db", str(filled_db)]) == 2


def test_calls_json_and_csv(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "calls", "--task", "t3", "--db", str(filled_db))
    assert isinstance(rows, list) and len(rows) == 1
    call = rows[0]
    # 4,000 prompt tokens of which 2,048 cached; $0.00844 worked out above.
    assert (call["input_tokens"], call["cache_read_tokens"], call["cost_usd"]) == (
        4000,
        2048,
        "0.00844",
    )
    assert main(["costs", "--by", "agent", "--csv", "--db", str(filled_db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("key,calls,input_tokens,output_tokens")
    # coder: 0.0027 + 0.0105 = 0.0132; reviewer 0.00844. Most expensive first.
    assert lines[1].startswith("coder,2,11000,2500,") and lines[1].endswith(",0.0132,0")
    assert lines[2].startswith("reviewer,1,4000,100,")


def test_since_until_filter(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = run_json(capsys, "costs", "--by", "day", "--since", "1d", "--db", str(filled_db))
    assert isinstance(everything, list) and everything[0]["calls"] == 3
    future = run_json(capsys, "costs", "--since", "2999-01-01", "--db", str(filled_db))
    assert future == []
    past = run_json(capsys, "report", "--until", "2000-01-01", "--db", str(filled_db))
    assert past == []
    assert main(["costs", "--since", "yesterday", "--db", str(filled_db)]) == 2


def test_parse_moment_reads_dates_in_the_zone() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from tessera.cli._options import parse_moment

    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert parse_moment("7d", UTC, now) == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert parse_moment("90m", UTC, now) == datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    # Midnight in Paris on 1 December (UTC+1 in winter) is 23:00 UTC on 30 November.
    paris = parse_moment("2026-12-01", ZoneInfo("Europe/Paris"), now)
    assert paris.astimezone(UTC) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def test_days_follow_the_local_rules_across_dst(monkeypatch: pytest.MonkeyPatch) -> None:
    import time
    from datetime import UTC, datetime

    from tessera.cli._options import display_zone, parse_moment

    # No cost.timezone: the machine's zone, read per instant. In New York the
    # clocks went back on 2026-11-01, so local midnight is 04:00 UTC before it
    # (EDT, UTC-4) and 05:00 UTC after it (EST, UTC-5).
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        zone = display_zone()
        assert zone is None
        before = parse_moment("2026-10-31", zone).astimezone(UTC)
        after = parse_moment("2026-11-02", zone).astimezone(UTC)
        assert before == datetime(2026, 10, 31, 4, 0, tzinfo=UTC)
        assert after == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_tasks_since_until(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recent = run_json(capsys, "tasks", "--since", "1h", "--db", str(filled_db))
    assert isinstance(recent, list) and {t["task_id"] for t in recent} == {"t1", "t2", "t3"}
    assert run_json(capsys, "tasks", "--until", "2000-01-01", "--db", str(filled_db)) == []
