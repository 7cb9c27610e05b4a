"""What a newcomer meets on the command line right after `tessera demo`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from tessera.cli import main
from tessera.runtime.observer import Observer


def test_after_the_demo_a_missing_default_database_points_at_the_demo_one(
    isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-delay"]) == 0
    capsys.readouterr()
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    demo_db = isolated_data_dir / "demo" / "metrics.db"
    assert f"pass --db {demo_db}" in err
    assert "run `tessera demo`" not in err
    assert main(["report", "--db", str(demo_db)]) == 0


@pytest.mark.parametrize("args", [["traces", "tail"], ["traces", "export", "--otlp"]])
def test_after_the_demo_a_missing_trace_file_points_at_the_demo_one(
    isolated_data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(["demo", "--no-delay"]) == 0
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    demo_traces = isolated_data_dir / "demo" / "traces.jsonl"
    assert f"pass --file {demo_traces}" in err
    assert main([*args, "--file", str(demo_traces)]) == 0


def test_without_any_database_the_hint_says_nothing_was_recorded(
    isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tasks"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: no metrics database at {isolated_data_dir / 'metrics.db'}")
    assert "tessera demo" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["pricing", "list"],
        ["pricing", "show", "gpt-4o"],
        ["pricing", "add", "my-model", "--provider", "openai", "--input", "1", "--output", "2"],
        ["pricing", "remove", "1"],
        ["pricing", "reprice", "--since", "2026-01-01", "--dry-run"],
    ],
)
def test_pricing_commands_refuse_a_file_that_is_not_a_database_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("my notes, not a database\n")
    assert main([*args, "--db", str(notes)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"Error: {notes} is not an SQLite database; refusing to use it as the metrics store\n"
    )
    assert captured.out == ""
    assert notes.read_text() == "my notes, not a database\n"


def _record_names(db: Path, traces: Path, names: list[str]) -> None:
    observer = Observer(db=db, traces_file=traces)
    for i, name in enumerate(names):
        with observer.task(f"task-{name}", agent_name=name, phase=name):
            observer.record(
                {
                    "id": f"resp-{i}",
                    "object": "chat.completion",
                    "model": "gpt-4o",
                    "choices": [],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5},
                },
                provider="openai",
            )
    observer.shutdown()


HOSTILE = ["[red]markup[/red]", "\x1b]0;pwned\x07title", "two\nlines", "\u202eevil"]


@pytest.mark.parametrize(
    "args",
    [
        ["report"],
        ["tasks"],
        ["calls"],
        ["costs", "--by", "agent"],
        ["costs", "--by", "task"],
        ["watch", "--once"],
    ],
)
def test_names_are_shown_literally_and_cannot_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    db = tmp_path / "m.db"
    _record_names(db, tmp_path / "t.jsonl", HOSTILE)
    assert main([*args, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\x07" not in out
    assert "[red]markup" in out
    assert "two\\nlines" in out


def test_trace_listings_escape_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    traces = tmp_path / "t.jsonl"
    _record_names(tmp_path / "m.db", traces, HOSTILE)
    assert main(["traces", "tail", "--file", str(traces)]) == 0
    out = capsys.readouterr().out
    trace_id = json.loads(traces.read_text().splitlines()[0])["trace_id"]
    assert main(["traces", "show", trace_id, "--file", str(traces)]) == 0
    out += capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "invoke_agent two\\nlines" in out
    assert "invoke_agent [red]markup[/red]" in out


def test_wide_characters_keep_the_trace_tail_aligned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    traces = tmp_path / "t.jsonl"
    _record_names(tmp_path / "m.db", traces, ["エージェント" * 8, "plain"])
    assert main(["traces", "tail", "--file", str(traces)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len({cell_len(line) for line in lines}) == 1


def test_the_demo_calls_fit_80_columns_one_line_per_call(
    isolated_data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["demo", "--no-delay"]) == 0
    capsys.readouterr()
    assert main(["calls", "--db", str(isolated_data_dir / "demo" / "metrics.db")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    # Each call's time is whole on its own line (the Copilot call's quota cell may wrap).
    timed = [line for line in lines if re.match(r" \d\d-\d\d \d\d:\d\d:\d\d ", line)]
    assert len(timed) == 11
    assert any(line.split()[-1] == "failed" for line in timed)
    # The agent column keeps room for a readable name.
    assert any(" planner " in line for line in timed)
