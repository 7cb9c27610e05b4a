"""Reading the trace file back: every line of the file and its backups, or new lines live."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from tessera._log import logger
from tessera.tracing.rotation import trace_files


def parse_line(line: bytes | str) -> dict[str, Any] | None:
    """One span record from one line, or ``None`` for a blank or unreadable line."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) and "span_id" in record else None


def read_lines(path: Path) -> Iterator[bytes]:
    """Every complete line of ``path`` and its backups, oldest file first."""
    for file in trace_files(path):
        try:
            with file.open("rb") as handle:
                for line in handle:
                    # A line without its newline is still being written.
                    if line.endswith(b"\n"):
                        yield line
        except FileNotFoundError:
            # Rotated away between the listing and the open: its lines are
            # in the next backup, which is later in the list or gone for good.
            logger.debug("tessera: %s vanished while reading traces", file)


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every span record of ``path`` and its backups, oldest first; bad lines skipped."""
    for line in read_lines(path):
        record = parse_line(line)
        if record is not None:
            yield record


def follow_lines(
    path: Path,
    *,
    from_end: bool = True,
    poll_seconds: float = 0.2,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[bytes]:
    """Yield lines as they are appended to ``path``, across rotations.

    When the path names a new file (rotated, or removed and created again),
    the rest of the old file is read first, then the new one from its start.

    Args:
        path: The live trace file; it need not exist yet.
        from_end: Start at the current end of the file instead of its start.
        poll_seconds: How long to sleep when there is nothing new.
        stop: Called between polls; following ends when it returns True.
    """
    handle: BinaryIO | None = None
    pending = b""
    try:
        while not stop():
            if handle is None:
                try:
                    handle = path.open("rb")
                except FileNotFoundError:
                    time.sleep(poll_seconds)
                    continue
                if from_end:
                    handle.seek(0, os.SEEK_END)
                from_end = False  # a file seen for the first time later is read whole
            moved = False
            chunk = handle.read()
            if not chunk and _moved(path, handle.fileno()):
                # Lines may have landed between the read above and the rename;
                # once renamed the old file gets no more, so one read drains it.
                moved = True
                chunk = handle.read()
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line + b"\n"
            if moved:
                # Several rotations may have happened since the last poll: go
                # on with the file that came right after this one, not the
                # live one, so no rotated file is skipped.
                handle = _open_next(path, _identity(handle.fileno()), handle)
                pending = b""
            elif not chunk:
                time.sleep(poll_seconds)
    finally:
        if handle is not None:
            handle.close()


def _identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _open_next(path: Path, current: tuple[int, int], old: BinaryIO) -> BinaryIO | None:
    """Close ``old`` and open the file written after it (a backup, or the live file)."""
    old.close()
    for _ in range(10):
        files = trace_files(path)
        names = [file for file in files if _stat_identity(file) == current]
        if not names:
            # Our file is gone (removed, or rotated past backup_count): go live.
            return None
        newer = files[files.index(names[0]) + 1 :]
        if not newer:
            return None
        try:
            handle = newer[0].open("rb")
        except FileNotFoundError:
            continue
        # A rename between the listing and the open gives another file: list again.
        if _stat_identity(newer[0]) == _identity(handle.fileno()) or newer[0] == path:
            return handle
        handle.close()
    return None


def _stat_identity(file: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(file)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _moved(path: Path, fd: int) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return True
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino)
