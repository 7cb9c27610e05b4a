"""Connections to the shared PostgreSQL store, speaking the SQL dialect of the SQLite modules.

The store's query, write, re-pricing and limit modules are written against
``sqlite3`` with ``?`` placeholders. :class:`PgConnection` gives them the same
small surface (``execute``, ``executemany``, cursors to iterate or fetch) over
psycopg, turning ``?`` into ``%s``: the very same SQL then runs on both
backends, so both give the same results for the same data. Statements whose
SQL differs (upserts that name columns unqualified, ``INSERT OR ...``, boolean
columns, ``lastrowid``) have PostgreSQL versions in this package.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Buffer, Loader
from psycopg.conninfo import conninfo_to_dict

from tessera.errors import StoreError
from tessera.store.backend import redacted

#: Seconds to wait for the server to answer a connection attempt, unless the
#: URL (``connect_timeout=``) or ``PGCONNECT_TIMEOUT`` says otherwise.
CONNECT_TIMEOUT_S = 10


class WholeNumericLoader(Loader):
    """Load ``numeric`` as ``int`` when it has no fraction, else as ``Decimal``.

    PostgreSQL sums a ``bigint`` column into a ``numeric``; SQLite sums integers
    into an integer. Loading whole numerics as ``int`` keeps token counts and
    picodollar sums the same Python type on both backends.
    """

    def load(self, data: Buffer) -> Any:
        from decimal import Decimal

        text = bytes(data).decode("ascii")
        if text.lstrip("-").isdigit():
            return int(text)
        return Decimal(text)


_TRANSLATED: dict[str, str] = {}


def translate(sql: str) -> str:
    """The psycopg form of an SQLite statement: ``?`` becomes ``%s``, ``%`` becomes ``%%``.

    The store's SQL has no ``?`` inside string literals, so a plain
    replacement is exact.
    """
    found = _TRANSLATED.get(sql)
    if found is None:
        if "INSERT OR " in sql.upper():
            # limits.py's statements: they would run without the ledger's lock.
            raise StoreError(
                "this operation has a PostgreSQL version: use store.ledger(), "
                "not SpendLedger(store), with a PostgreSQL store"
            )
        found = _TRANSLATED[sql] = sql.replace("%", "%%").replace("?", "%s")
    return found


class PgConnection:
    """The part of :class:`sqlite3.Connection` the store's SQL modules use, over psycopg."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        """Run one statement; the cursor holds its rows, fetched already."""
        return self.raw.execute(translate(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        """Run one statement once per parameter row."""
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), [tuple(row) for row in rows])
        return cursor

    def lock(self, name: str) -> None:
        """Take the transaction-scoped advisory lock ``name`` of this schema.

        The key includes the schema, so two stores in one database (tests,
        staging beside production) do not wait for each other.
        """
        self.raw.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || %s, 0))",
            (name,),
        )


def connect(url: str) -> psycopg.Connection[Any]:
    """Open one autocommit connection; every write transaction is explicit.

    A server that does not answer fails after :data:`CONNECT_TIMEOUT_S`
    seconds, or the URL's ``connect_timeout``, or ``PGCONNECT_TIMEOUT``.

    Raises:
        StoreError: The server does not answer or refuses the connection.
    """
    try:
        given = "connect_timeout" in conninfo_to_dict(url) or os.environ.get("PGCONNECT_TIMEOUT")
        if given:
            conn = psycopg.connect(url, autocommit=True)
        else:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        raise StoreError(
            f"cannot connect to the PostgreSQL metrics store {redacted(url)}: {exc}".strip()
        ) from exc
    conn.adapters.register_loader("numeric", WholeNumericLoader)
    return conn


#: Connections a forked child inherited. Kept referenced forever: closing one
#: would end the parent's session on the socket both processes share.
_INHERITED: list[_Held] = []


class _Held:
    """A thread's connection, closed when the thread ends (never by a forked child)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = PgConnection(conn)
        self.pid = os.getpid()

    # os.getpid is bound here: a finalizer run while the interpreter exits may
    # find the ``os`` module already cleared (a module torn down late kept the store).
    def close(self, _getpid: Callable[[], int] = os.getpid) -> None:
        if self.pid == _getpid():
            self.conn.raw.close()

    def __del__(self) -> None:
        self.close()


class ThreadConnections:
    """One connection per thread and process, like the SQLite store's."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: weakref.WeakSet[_Held] = weakref.WeakSet()

    def get(self) -> PgConnection:
        """This thread's connection, opened on first use (and again after it broke)."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            if held.pid != os.getpid():
                _INHERITED.append(held)
            elif held.conn.raw.closed:
                held = None
            else:
                return held.conn
        held = _Held(connect(self._url))
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
