"""Default locations and the privacy of what Tessera creates."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tessera.paths import default_db_path, ensure_private_dir


def test_created_directories_are_private(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir(mode=0o755)
    target = tmp_path / "home" / "share" / "tessera"
    ensure_private_dir(target)
    # Both levels Tessera created are 0700; the existing parent keeps its 0755.
    assert stat.S_IMODE((tmp_path / "home" / "share").stat().st_mode) == 0o700
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o755


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TESSERA_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "tessera" / "metrics.db"
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path / "mine"))
    assert default_db_path() == tmp_path / "mine" / "metrics.db"
    monkeypatch.delenv("TESSERA_DATA_DIR")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "tessera" / "metrics.db"
