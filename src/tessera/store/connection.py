"""Opening the database file: refusals, pragmas, permissions, transactions.

A file that is not SQLite, is corrupt, or was written by a newer Tessera is
refused with :class:`~tessera.errors.StoreError` before anything is written to
it, so a refusal never changes the user's file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tessera._log import logger
from tessera.errors import StoreError
from tessera.paths import ensure_private_dir

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000


def create_private_file(path: Path) -> None:
    """Create the database file 0600 (directory 0700) unless it already exists."""
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    try:
        # The umask may have removed bits we want gone anyway; make the mode exact.
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def check_header(path: Path) -> None:
    """Refuse a non-empty file whose first 16 bytes are not SQLite's header."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read metrics database {path}: {exc.strerror}") from exc
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not an SQLite database; refusing to use it as the metrics store"
        )


def connect(path: Path) -> sqlite3.Connection:
    """Open one connection with Tessera's pragmas; the file must have passed the checks."""
    # Autocommit mode: every write transaction is an explicit BEGIN IMMEDIATE.
    # check_same_thread is off only so close() may run from any thread; each
    # connection is otherwise used by the thread that opened it.
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise unreadable(path, exc) from exc
    return conn


def unreadable(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The error for a file SQLite cannot read: still locked, or corrupt."""
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return StoreError(f"metrics database {path} stayed locked by another process: {exc}")
    if "unable to open" in str(exc) and not os.access(path.parent, os.W_OK):
        # Even a read needs the -wal and -shm files beside the database.
        return StoreError(
            f"cannot open metrics database {path}: its directory {path.parent} is not "
            f"writable, and SQLite must create {path.name}-wal and {path.name}-shm there"
        )
    return StoreError(f"metrics database {path} is corrupt or unreadable: {exc}")


def read_schema_version(conn: sqlite3.Connection, path: Path) -> int:
    """Read the schema and ``user_version``; a file SQLite cannot read is reported corrupt."""
    try:
        conn.execute("SELECT name FROM sqlite_master").fetchall()
        row = conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc) from exc
    return int(row[0])


def enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, retrying while another process holds the lock it needs."""
    if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            # Changing the journal mode needs an exclusive lock, and SQLite does not
            # always run the busy handler for it.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def tighten_sidecars(path: Path) -> None:
    """Make the ``-wal`` and ``-shm`` files 0600 (SQLite creates them after the first write)."""
    for suffix in ("-wal", "-shm"):
        sidecar = Path(f"{path}{suffix}")
        try:
            if sidecar.exists() and sidecar.stat().st_mode & 0o777 != 0o600:
                os.chmod(sidecar, 0o600)
        except OSError as exc:
            logger.debug("tessera: cannot chmod %s: %s", sidecar, exc)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


#: Connections a forked child inherited. Kept referenced forever so the child
#: never finalizes (and so closes) a handle that belongs to its parent.
_INHERITED: list[_Held] = []


class _Held:
    """A thread's connection; closed when the thread ends and its thread-local data goes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.pid = os.getpid()

    # os.getpid is bound here: a finalizer run while the interpreter exits may
    # find the ``os`` module already cleared (a module torn down late kept the store).
    def close(self, _getpid: Callable[[], int] = os.getpid) -> None:
        # A connection inherited over fork belongs to the parent: never close it here.
        if self.pid == _getpid():
            self.conn.close()

    def __del__(self) -> None:
        self.close()


class ThreadConnections:
    """One connection per thread (and per process, so a forked child never reuses one).

    A connection is closed when its thread ends, or by :meth:`close_all`, so
    programs that start many short-lived threads do not collect open files.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: weakref.WeakSet[_Held] = weakref.WeakSet()

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            if held.pid == os.getpid():
                return held.conn
            _INHERITED.append(held)
        held = _Held(connect(self._path))
        self._local.held = held
        with self._lock:
            self._opened.add(held)
        return held.conn

    def close_all(self) -> None:
        """Close every connection this object opened in this process."""
        with self._lock:
            opened = list(self._opened)
            self._opened = weakref.WeakSet()
        for held in opened:
            held.close()
        self._local = threading.local()
