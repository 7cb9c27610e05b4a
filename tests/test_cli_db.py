"""``tessera db path|migrate|check`` on good, new, corrupt and too-new files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.demo import recordings as rec
from tessera.runtime.observer import Observer
from tessera.store import SCHEMA_VERSION


@pytest.fixture
def filled_db(tmp_path: Path) -> Path:
    db = tmp_path / "metrics.db"
    observer = Observer(db=db, traces_file=tmp_path / "traces.jsonl")
    with observer.run("db test"):
        with observer.task("t1", agent_name="coder"):
            observer.record(
                rec.openai_chat("gpt-4o-mini", "a", 100, 20, response_id="r1"), "openai"
            )
            observer.record(
                rec.openai_chat("gpt-4o-mini", "b", 100, 20, response_id="r2"), "openai"
            )
        with observer.task("t2", agent_name="reviewer"):
            observer.record(
                rec.openai_chat("gpt-4o-mini", "c", 100, 20, response_id="r3"), "openai"
            )
    observer.shutdown()
    return db


def test_path_prints_the_default_and_the_override(
    isolated_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "path"]) == 0
    # conftest points TESSERA_DATA_DIR at isolated_data_dir; the file is metrics.db in it.
    assert capsys.readouterr().out == f"{isolated_data_dir / 'metrics.db'}\n"
    assert main(["db", "path", "--db", str(tmp_path / "x.db")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'x.db'}\n"
    # `db path` only prints: it creates nothing.
    assert not (isolated_data_dir / "metrics.db").exists()


def test_path_follows_the_configured_metrics_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("observability:\n  local:\n    metrics_db: $HOME/m/metrics.db\n")
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # TESSERA_DATA_DIR would win over the file; without it the file's path counts.
    monkeypatch.delenv("TESSERA_DATA_DIR")
    assert main(["db", "path"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'home' / 'm' / 'metrics.db'}\n"
    monkeypatch.setenv("TESSERA_METRICS_DB", str(tmp_path / "env.db"))
    assert main(["db", "path"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'env.db'}\n"


def test_migrate_creates_then_reports_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "fresh.db"
    assert main(["db", "migrate", "--db", str(db), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    # No file before: version None; after: the version this code writes.
    assert first == {
        "path": str(db),
        "schema_version_before": None,
        "schema_version": SCHEMA_VERSION,
    }
    assert main(["db", "migrate", "--db", str(db)]) == 0
    assert capsys.readouterr().out == f"{db}: schema version {SCHEMA_VERSION}, already up to date\n"


def test_migrate_an_empty_file_from_version_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    assert main(["db", "migrate", "--db", str(db)]) == 0
    assert capsys.readouterr().out == f"{db}: schema version 0 -> {SCHEMA_VERSION}\n"


def test_check_json_counts_rows(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "check", "--db", str(filled_db), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert result["integrity"] == "ok"
    assert result["schema_version"] == SCHEMA_VERSION
    assert result["supported_schema_version"] == SCHEMA_VERSION
    tables = result["tables"]
    # 3 calls recorded; 2 tasks, each finished once (one agent_performance row each); 1 run.
    assert tables["llm_calls"] == 3
    assert tables["task_assignments"] == 2
    assert tables["agent_performance"] == 2
    assert tables["runs"] == 1
    assert tables["quality_iterations"] == 0
    assert tables["model_pricing"] > 0
    # The seed's tables are all listed (later migrations may add more).
    seed_tables = {"task_assignments", "agent_performance", "model_pricing", "llm_calls"}
    assert seed_tables <= set(tables)


def test_check_table_fits_80_columns(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "check", "--db", str(filled_db)]) == 0
    out = capsys.readouterr().out
    assert "integrity  ok" in out
    assert f"schema     version {SCHEMA_VERSION} (this Tessera: {SCHEMA_VERSION})" in out
    assert any(line.split() == ["llm_calls", "3"] for line in out.splitlines())
    lines = out.splitlines()
    # The first line is the (never cut) path; everything else fits 80 columns.
    assert lines[0] == f"database   {filled_db}"
    assert max(len(line) for line in lines[1:]) <= 80


def test_check_never_writes(filled_db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    # An empty file is a version-0 database with no tables: sound, and left empty.
    assert main(["db", "check", "--db", str(empty)]) == 0
    assert empty.read_bytes() == b""
    before = filled_db.read_bytes()
    assert main(["db", "check", "--db", str(filled_db)]) == 0
    assert filled_db.read_bytes() == before


def test_check_missing_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert main(["db", "check", "--db", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope.db" in err
    assert not missing.exists()


def _corrupt(path: Path) -> bytes:
    # A valid 16-byte SQLite header, then bytes that are no database page.
    content = b"SQLite format 3\x00" + bytes(range(256)) * 16
    path.write_bytes(content)
    return content


def _newer(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("command", ["check", "migrate"])
@pytest.mark.parametrize(
    ("make", "words"), [(_corrupt, "corrupt"), (_newer, "newer Tessera (schema 999")]
)
def test_refused_files_are_left_byte_identical(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    make: object,
    words: str,
) -> None:
    db = tmp_path / "bad.db"
    assert callable(make)
    content = make(db)
    assert main(["db", command, "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert words in err and "bad.db" in err
    assert db.read_bytes() == content
    # No sidecar left behind either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.db"]


def test_not_sqlite_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("my notes\n")
    assert main(["db", "check", "--db", str(notes)]) == 1
    assert "not an SQLite database" in capsys.readouterr().err
    assert notes.read_text() == "my notes\n"


def test_failed_integrity_check_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "broken.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("CREATE INDEX t_x ON t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(f"Row {i}",) for i in range(12)])
    conn.commit()
    # Break the index behind SQLite's back: its definition now says lower(x),
    # but its entries hold x ("Row 1" != "row 1"), so every row is missing from it.
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX t_x ON t (lower(x))' WHERE name = 't_x'"
    )
    conn.commit()
    conn.close()
    before = db.read_bytes()
    assert main(["db", "check", "--db", str(db), "--json"]) == 1
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["ok"] is False
    assert result["integrity"] == [f"row {i} missing from index t_x" for i in range(1, 13)]
    err = captured.err.strip()
    assert (
        err == f"Error: integrity check failed for {db}: row 1 missing from index t_x (and 11 more)"
    )
    assert main(["db", "check", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    # 12 problems: the first 10 listed, then a count of the rest.
    assert "integrity  12 problem(s)" in out
    assert "  row 10 missing from index t_x" in out and "row 11 missing" not in out
    assert "  ... and 2 more" in out
    assert db.read_bytes() == before


def test_db_import_twice_adds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json as _json

    from tessera.demo import recordings as rec
    from tessera.runtime.observer import Observer

    source = tmp_path / "host.db"
    observer = Observer(db=source, traces_file=tmp_path / "t.jsonl")
    with observer.task("t1", agent_name="a"):
        # gpt-4o-mini: 4,000×0.15 + 1,000×0.60 = 1,200 → $0.0012.
        observer.record(rec.openai_chat("gpt-4o-mini", "x", 4000, 1000, response_id="r"), "openai")
    observer.shutdown()
    target = tmp_path / "all.db"
    assert main(["db", "import", str(source), "--db", str(target), "--json"]) == 0
    first = _json.loads(capsys.readouterr().out)
    assert first["written"]["llm_calls"] == 1 and first["written"]["task_assignments"] == 1
    assert main(["db", "import", str(source), "--db", str(target), "--json"]) == 0
    second = _json.loads(capsys.readouterr().out)
    assert sum(second["written"].values()) == 0
    assert main(["costs", "--by", "agent", "--db", str(target), "--json"]) == 0
    (row,) = _json.loads(capsys.readouterr().out)
    assert (row["key"], row["cost_usd"]) == ("a", "0.0012")
    assert main(["db", "import", str(tmp_path / "missing.db"), "--db", str(target)]) == 1
    assert "missing.db" in capsys.readouterr().err


def test_urls_are_shown_whole_and_without_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql://postgres:s3cret@127.0.0.1:5432/test"
    assert main(["db", "path", "--db", url]) == 0
    assert capsys.readouterr().out.strip() == "postgresql://postgres:***@127.0.0.1:5432/test"
    config = tmp_path / "c.yaml"
    config.write_text(f"observability:\n  local:\n    metrics_db: {url}\n")
    monkeypatch.delenv("TESSERA_DATA_DIR")
    assert main(["--config", str(config), "config", "show"]) == 0
    shown = capsys.readouterr().out
    assert "s3cret" not in shown and "postgres:***@127.0.0.1:5432/test" in shown


def test_a_driver_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing listens on loopback port 1: psycopg's message spans two lines.
    assert main(["report", "--db", "postgresql://postgres:pw@127.0.0.1:1/test"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Connection refused" in err and "pw@" not in err
