"""Where Tessera keeps its files by default.

``TESSERA_DATA_DIR`` wins; otherwise ``$XDG_DATA_HOME/tessera`` and, without
that, ``~/.local/share/tessera`` (the seed's location).
"""

from __future__ import annotations

import os
from pathlib import Path

DB_FILENAME = "metrics.db"
TRACES_FILENAME = "traces.jsonl"


def data_dir() -> Path:
    """The directory holding the metrics database and the trace file."""
    override = os.environ.get("TESSERA_DATA_DIR")
    if override:
        return Path(os.path.expandvars(override)).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "tessera"


def default_db_path() -> Path:
    """The default metrics database file."""
    return data_dir() / DB_FILENAME


def default_traces_path() -> Path:
    """The default JSONL trace file."""
    return data_dir() / TRACES_FILENAME


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if missing; a directory Tessera creates is 0700."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is filtered by the umask; set it explicitly.
    os.chmod(path, 0o700)
