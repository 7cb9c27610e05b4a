"""A store outage (full disk) is logged once, with what was lost, and the agent goes on."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tessera.config import TesseraConfig
from tessera.runtime.observer import Observer


def _body(index: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
    }


def test_store_outage_is_logged_once_with_what_was_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    observer = Observer(
        db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl", config=TesseraConfig()
    )
    store = observer.store
    assert store is not None
    observer.record(_body(0), provider="openai")
    conn = store._connections.get()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with caplog.at_level(logging.INFO, logger="tessera"):
        for index in range(1, 200):
            observer.record(_body(index), provider="openai")
        observer.shutdown()
    logged = [r for r in caplog.records if r.name == "tessera"]
    errors = [r for r in logged if r.levelno >= logging.ERROR]
    # One traceback for the whole outage, naming the file.
    assert len(errors) == 1
    assert str(tmp_path / "m.db") in errors[0].getMessage() or "m.db" in str(errors[0].exc_info)
    # The total lost, once, at shutdown: N calls of $0.0035 each.
    (summary,) = [r for r in logged if r.levelno == logging.WARNING]
    assert "lost" in summary.getMessage()
    with closing(sqlite3.connect(tmp_path / "m.db")) as check:
        stored = check.execute("SELECT COUNT(*) FROM llm_calls").fetchone()[0]
    lost = 200 - stored
    assert f"{lost} model calls" in summary.getMessage()


def test_outage_messages_show_a_url_whole_and_without_password() -> None:
    from tessera.runtime.outage import StoreOutage

    # A URL held as a Path has lost one slash of "//" and carries a password.
    outage = StoreOutage(Path("postgresql://tessera:s3cret@db.local:5432/metrics"))
    assert outage._path == "postgresql://tessera:***@db.local:5432/metrics"
