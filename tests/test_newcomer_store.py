"""A database in a read-only directory is named as such, not as corrupt."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tessera.store import connection


def test_a_read_only_directory_is_named_as_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores directory modes, so the directory's answer is simulated.
    db = tmp_path / "metrics.db"
    real_access = os.access
    monkeypatch.setattr(
        connection.os,
        "access",
        lambda p, mode: False if Path(p) == tmp_path and mode == os.W_OK else real_access(p, mode),
    )
    error = connection.unreadable(db, sqlite3.OperationalError("unable to open database file"))
    assert str(error) == (
        f"cannot open metrics database {db}: its directory {tmp_path} is not writable, "
        "and SQLite must create metrics.db-wal and metrics.db-shm there"
    )


def test_a_writable_directory_keeps_the_corrupt_message(tmp_path: Path) -> None:
    db = tmp_path / "metrics.db"
    error = connection.unreadable(db, sqlite3.OperationalError("unable to open database file"))
    assert "is corrupt or unreadable" in str(error)
