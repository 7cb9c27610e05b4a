"""Size-based rotation of the trace file: ``traces.jsonl`` -> ``traces.jsonl.1`` ...

The renames happen only while the writer holds the exclusive lock on the
current file, and every writer checks, once it holds that lock, that its
descriptor still names the file at the path; so a rotation can never fall
between another process's check and its write, and no line goes to a file
that has already been moved aside (see :mod:`tessera.tracing.jsonl`).
"""

from __future__ import annotations

import os
from pathlib import Path


def backup_path(path: Path, number: int) -> Path:
    """The ``number``-th backup of ``path`` (``traces.jsonl.1`` is the newest)."""
    return path.with_name(f"{path.name}.{number}")


def rotate(path: Path, backup_count: int) -> None:
    """Shift the backups up by one and move ``path`` to ``path.1``.

    The oldest backup (``path.<backup_count>``) is overwritten. The caller
    must hold the exclusive lock on the file at ``path``.

    Args:
        path: The live trace file.
        backup_count: How many backups to keep, at least 1.
    """
    for number in range(backup_count - 1, 0, -1):
        source = backup_path(path, number)
        try:
            os.replace(source, backup_path(path, number + 1))
        except FileNotFoundError:
            continue
    os.replace(path, backup_path(path, 1))


def trace_files(path: Path) -> list[Path]:
    """The trace file and its existing backups, oldest first.

    Args:
        path: The live trace file.

    Returns:
        ``path.N``, ..., ``path.1``, ``path``: only those that exist.
    """
    backups: list[tuple[int, Path]] = []
    prefix = path.name + "."
    if path.parent.is_dir():
        for candidate in path.parent.iterdir():
            suffix = candidate.name[len(prefix) :]
            if candidate.name.startswith(prefix) and suffix.isdigit():
                backups.append((int(suffix), candidate))
    ordered = [file for _, file in sorted(backups, reverse=True)]
    if path.exists():
        ordered.append(path)
    return ordered
