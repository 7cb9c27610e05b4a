"""A span exporter that appends one JSON line per finished span (DESIGN §8).

Several processes may append to the same file: each line goes out in one
``os.write`` on an ``O_APPEND`` descriptor while an exclusive ``flock`` is held,
so lines never interleave. Once it holds the lock a writer checks that its
descriptor still names the file at the path (another process may have rotated
it meanwhile) and reopens if not; size-based rotation is decided and done under
that same lock, so a line is never split across files nor written to a file
already moved aside. Like every OpenTelemetry exporter it never raises: a
failed write is counted in ``failed_spans``; the first failure of an outage
(a full disk) is logged with its traceback, and the number of spans lost is
logged once when writing works again or at shutdown.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from tessera._log import logger
from tessera.paths import ensure_private_dir
from tessera.tracing.encoding import DEFAULT_MAX_ATTRIBUTE_CHARS, encode_line, span_to_dict
from tessera.tracing.rotation import rotate

if sys.platform != "win32":
    import fcntl

_LIVE_EXPORTERS: weakref.WeakSet[JsonlSpanExporter] = weakref.WeakSet()
# Reopening is retried this many times when other processes keep rotating the
# file between our open and our lock; more means something else is wrong.
_MAX_REOPENS = 50


def _reset_locks_in_child() -> None:
    # A thread of the parent may have held the lock at fork time; in the child
    # that thread does not exist, so the lock would never be released.
    for exporter in list(_LIVE_EXPORTERS):
        exporter._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_in_child)


class JsonlSpanExporter(SpanExporter):
    """Write finished spans as JSON lines to a file or a text stream.

    Args:
        target: A path (opened lazily in append mode, created 0600 in a
            directory created 0700) or an open text stream (written as is and
            never closed by the exporter).
        max_attribute_chars: Longest attribute string kept whole; longer ones
            are cut and listed under ``tessera.truncated``. ``None`` keeps all.
        max_bytes: Rotate the file before a write would take it past this
            size (a file path only); ``None`` never rotates. A batch larger
            than the limit still goes whole into a fresh file.
        backup_count: How many rotated files to keep (``traces.jsonl.1`` is
            the newest); the oldest is removed past that.

    Attributes:
        failed_spans: How many spans could not be written since creation.

    Raises:
        ValueError: ``max_bytes`` or ``backup_count`` is below 1.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | TextIO,
        *,
        max_attribute_chars: int | None = DEFAULT_MAX_ATTRIBUTE_CHARS,
        max_bytes: int | None = None,
        backup_count: int = 5,
    ) -> None:
        if max_bytes is not None and max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
        if backup_count < 1:
            raise ValueError(f"backup_count must be at least 1, got {backup_count}")
        self._max_bytes = max_bytes
        self._backup_count = backup_count
        if isinstance(target, str | os.PathLike):
            self._path: Path | None = Path(target)
            self._stream: TextIO | None = None
        else:
            self._path = None
            self._stream = target
        self._max_chars = max_attribute_chars
        self._fd: int | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._shut_down = False
        self.failed_spans = 0
        # Spans lost since the current run of failed writes began (0: writing works).
        self._lost_in_outage = 0
        _LIVE_EXPORTERS.add(self)

    @property
    def path(self) -> Path | None:
        """The file written to, or ``None`` for a stream."""
        return self._path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Append one line per span; never raises.

        Returns:
            ``SUCCESS`` when every span was written, else ``FAILURE``.
        """
        if self._shut_down:
            logger.warning("tessera: span exporter already shut down; %d spans dropped", len(spans))
            return SpanExportResult.FAILURE
        lines = self._encode(spans)
        if not lines:
            return SpanExportResult.SUCCESS if not spans else SpanExportResult.FAILURE
        with self._lock:
            if self._shut_down:
                # Shut down by another thread meanwhile; do not reopen the file.
                return SpanExportResult.FAILURE
            try:
                if self._stream is not None:
                    self._write_stream(lines)
                else:
                    self._write_file(lines)
            except (OSError, ValueError):
                # ValueError: the caller's stream was closed under us.
                self._lost(len(lines))
                return SpanExportResult.FAILURE
            if self._lost_in_outage:
                logger.warning(
                    "tessera: writing spans to %s works again; %d spans were lost meanwhile",
                    self._target_name(),
                    self._lost_in_outage,
                )
                self._lost_in_outage = 0
        return SpanExportResult.SUCCESS if len(lines) == len(spans) else SpanExportResult.FAILURE

    def _target_name(self) -> str:
        return str(self._path) if self._path is not None else "the trace stream"

    def _lost(self, count: int) -> None:
        """Count spans that could not be written; log the first failure of an outage only.

        A full disk fails every export until space comes back: one traceback
        says what happened, and the total lost is logged when writing works
        again or at shutdown, instead of a traceback per span.
        """
        self.failed_spans += count
        first = self._lost_in_outage == 0
        self._lost_in_outage += count
        if first:
            logger.exception(
                "tessera: could not write %d spans to %s; the program continues, and "
                "spans lost until writing works again are counted and reported once",
                count,
                self._target_name(),
            )

    def _encode(self, spans: Sequence[ReadableSpan]) -> list[bytes]:
        lines: list[bytes] = []
        for span in spans:
            try:
                lines.append(encode_line(span_to_dict(span, self._max_chars)))
            except Exception:
                # One unreadable span must not cost the others their line.
                with self._lock:
                    self.failed_spans += 1
                logger.exception("tessera: could not encode span %r; it is dropped", span.name)
        return lines

    def _write_stream(self, lines: list[bytes]) -> None:
        assert self._stream is not None
        for line in lines:
            self._stream.write(line.decode("utf-8"))
        self._stream.flush()

    def _write_file(self, lines: list[bytes]) -> None:
        fd = self._locked_fd()
        try:
            if self._max_bytes is not None:
                fd = self._room_for(sum(map(len, lines)), self._max_bytes)
            for line in lines:
                written = os.write(fd, line)
                # A regular file takes the whole line at once; the loop only
                # matters on a short write, and the lock keeps it contiguous.
                while written < len(line):
                    written += os.write(fd, line[written:])
        finally:
            # After a failed reopen the descriptor is closed already (and its
            # number may belong to another file by now): unlock only our own.
            if self._fd is not None:
                _unlock(self._fd)

    def _locked_fd(self) -> int:
        """The descriptor of the file at the path, with its exclusive lock held."""
        for _ in range(_MAX_REOPENS):
            fd = self._open_fd()
            _lock(fd)
            # Checked under the lock: rotation needs this same lock, so the
            # path cannot move between this check and the write.
            if not self._replaced():
                return fd
            _unlock(fd)
            self._close_fd()
        raise OSError(f"{self._path} was replaced {_MAX_REOPENS} times while opening it")

    def _room_for(self, size: int, max_bytes: int) -> int:
        """Rotate until the locked file can take ``size`` more bytes; its descriptor."""
        assert self._path is not None and self._fd is not None
        for _ in range(_MAX_REOPENS):
            current = os.fstat(self._fd).st_size
            # An empty file takes any batch, so a line larger than the limit
            # is written whole rather than rotated forever.
            if current == 0 or current + size <= max_bytes:
                break
            rotate(self._path, self._backup_count)
            _unlock(self._fd)
            self._close_fd()
            # Others may fill the new file between our rename and our lock:
            # the loop checks its size again.
            self._locked_fd()
        assert self._fd is not None
        return self._fd

    def _open_fd(self) -> int:
        """The descriptor to write to, reopened after a fork."""
        assert self._path is not None
        if self._fd is not None and self._pid != os.getpid():
            # After a fork the descriptor shares its lock with the parent's,
            # so flock would not keep the two apart: open a new one.
            self._close_fd()
        if self._fd is None:
            ensure_private_dir(self._path.parent)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self._path, flags, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _replaced(self) -> bool:
        """Whether the path now names another file (rotated or deleted)."""
        assert self._path is not None and self._fd is not None
        try:
            on_disk = os.stat(self._path)
        except FileNotFoundError:
            return True
        mine = os.fstat(self._fd)
        return (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino)

    def _close_fd(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.close(fd)
        except OSError:
            logger.debug("tessera: closing the trace file failed", exc_info=True)

    def shutdown(self) -> None:
        """Close the file if the exporter opened it; later exports fail."""
        with self._lock:
            if self._shut_down:
                # TracerProvider.shutdown may run twice (by hand and at exit).
                return
            self._shut_down = True
            self._close_fd()
            if self._lost_in_outage:
                logger.warning(
                    "tessera: %d spans could not be written to %s and are lost",
                    self._lost_in_outage,
                    self._target_name(),
                )

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Nothing is buffered: every export is written before it returns."""
        return True


def _lock(fd: int) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX)


def _unlock(fd: int) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_UN)
