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
    """Create ``path`` and its missing parents; every directory Tessera creates is 0700.

    Directories that already exist keep their mode: they are the user's.
    """
    missing: list[Path] = []
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        # mkdir's mode is filtered by the umask; set it explicitly.
        os.chmod(directory, 0o700)
