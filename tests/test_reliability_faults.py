"""A full disk under the trace file or the database: the agent goes on, nothing stored is hurt.

The tests run as any user, root included, so "read-only" cannot be simulated
with file modes (root writes anyway). A full disk is simulated for real:
the trace file is ``/dev/full`` (every write fails with ENOSPC), and the
database connection gets a ``max_page_count`` at its current size (SQLite
then fails writes with SQLITE_FULL, "database or disk is full").
"""

from __future__ import annotations

import errno
import json
import logging
import re
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tessera.config import TesseraConfig
from tessera.runtime.observer import Observer

# Linux's always-full device: every write fails with ENOSPC.
DEV_FULL = Path("/dev/full")


def _body(index: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
    }


def _tessera_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tessera"]


def test_full_disk_under_the_trace_file_is_logged_once_and_calls_still_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    traces = tmp_path / "traces.jsonl"
    traces.symlink_to(DEV_FULL)
    observer = Observer(db=tmp_path / "m.db", traces_file=traces, config=TesseraConfig())
    assert observer.store is not None
    with caplog.at_level(logging.INFO, logger="tessera"):
        with observer.task("t-full", agent_name="writer"):
            records = [observer.record(_body(i), provider="openai") for i in range(40)]
        observer.shutdown()

    # The agent's calls all returned and were stored and priced.
    assert all(r is not None and r.cost_usd == Decimal("0.0035") for r in records)
    with closing(sqlite3.connect(tmp_path / "m.db")) as conn:
        # 40 calls x $0.0035 = $0.14
        assert conn.execute("SELECT COUNT(*), SUM(cost_pusd) FROM llm_calls").fetchone() == (
            40,
            140_000_000_000,
        )
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    logged = _tessera_logs(caplog)
    assert [r.levelno for r in logged] == [logging.ERROR, logging.WARNING]
    first = logged[0]
    assert first.exc_info is not None and isinstance(first.exc_info[1], OSError)
    assert first.exc_info[1].errno == errno.ENOSPC
    assert str(traces) in first.getMessage()
    # What was lost: 40 chat spans and the task's span.
    assert (
        logged[1].getMessage() == f"tessera: 41 spans could not be written to {traces} and are lost"
    )


def test_trace_file_writable_again_reports_the_outage_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "traces.jsonl"
    observer = Observer(db=tmp_path / "m.db", traces_file=target, config=TesseraConfig())
    # A directory where the file should be: every open fails until it is removed.
    target.mkdir()
    with caplog.at_level(logging.INFO, logger="tessera"):
        for index in range(5):
            observer.record(_body(index), provider="openai")
        target.rmdir()
        observer.record(_body(5), provider="openai")
        observer.shutdown()
    messages = [(r.levelno, r.getMessage()) for r in _tessera_logs(caplog)]
    assert len(messages) == 2
    assert messages[0][0] == logging.ERROR
    assert messages[1] == (
        logging.WARNING,
        f"tessera: writing spans to {target} works again; 5 spans were lost meanwhile",
    )
    assert [
        json.loads(line)["attributes"]["gen_ai.response.id"]
        for line in target.read_text().splitlines()
    ] == ["chatcmpl-5"]


def test_full_database_keeps_the_agent_running_and_damages_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, traces = tmp_path / "m.db", tmp_path / "traces.jsonl"
    observer = Observer(db=db, traces_file=traces, config=TesseraConfig())
    store = observer.store
    assert store is not None
    with observer.task("t-db-full", agent_name="writer"):
        before = [observer.record(_body(index), provider="openai") for index in range(20)]
        # The disk fills up: the file cannot grow past its present size.
        conn = store._connections.get()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with caplog.at_level(logging.WARNING, logger="tessera"):
            later = [observer.record(_body(i), provider="openai") for i in range(20, 80)]
            observer.shutdown()

    # Every call returned to the agent, priced, whatever happened to its row.
    assert all(r is not None and r.cost_usd == Decimal("0.0035") for r in later)
    failed = [r for r in _tessera_logs(caplog) if "storing a model call failed" in r.getMessage()]
    assert failed, "the full disk must have refused some writes"
    assert all("database or disk is full" in str(r.exc_info and r.exc_info[1]) for r in failed)
    with closing(sqlite3.connect(db)) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = check.execute("SELECT COUNT(*) FROM llm_calls").fetchone()[0]
        ids = [r.call_id for r in before if r is not None]
        first_twenty = check.execute(
            f"SELECT COUNT(*), SUM(cost_pusd) FROM llm_calls WHERE call_id IN "
            f"({', '.join('?' * len(ids))})",
            ids,
        ).fetchone()
    # An outage is logged once with its traceback, then counted; a warning says how many
    # model calls were lost (when writes work again, or at shutdown). Each call either
    # has its row or is counted lost, never both, never neither.
    summaries = [r.getMessage() for r in _tessera_logs(caplog) if "records lost" in r.getMessage()]
    counts = [re.search(r"\((\d+) model calls", message) for message in summaries]
    lost = sum(int(match.group(1)) for match in counts if match is not None)
    assert len(summaries) == len(failed)
    assert stored == 80 - lost
    # The twenty calls stored before the disk filled are intact: 20 x $0.0035 = $0.07.
    assert first_twenty == (20, 70_000_000_000)
    spans = [json.loads(line) for line in traces.read_text().splitlines()]
    assert sum(1 for s in spans if s["name"] == "chat gpt-4o") == 80
