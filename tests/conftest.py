"""Every test runs with its own data directory and no user configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "tessera-data"
    monkeypatch.setenv("TESSERA_DATA_DIR", str(data))
    monkeypatch.setenv("TESSERA_CONFIG", str(tmp_path / "no-config.yaml"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    yield data
