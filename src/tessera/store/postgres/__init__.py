"""The shared PostgreSQL metrics store of a fleet of agent hosts (the ``postgres`` extra).

``MetricsStore("postgresql://user@host:5432/db")`` returns a
:class:`PostgresMetricsStore`: the same tables, columns, write and query API
and results as the SQLite store, shared by every host that points at the
database. Every write is one transaction; cost limits hold across hosts
(:class:`~tessera.store.postgres.ledger.PostgresSpendLedger`).

The tables live in the first schema of the connection's ``search_path``; to
keep several stores in one database, give each its own schema, for example
``postgresql://host/db?options=-csearch_path%3Dteam_a``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import cast

import psycopg

from tessera.errors import StoreError
from tessera.pricing.row import PriceRow
from tessera.records import TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.store import writes as sqlite_writes
from tessera.store.backend import postgres_url, redacted
from tessera.store.postgres import prices, writes
from tessera.store.postgres.connection import PgConnection, ThreadConnections
from tessera.store.postgres.ledger import PostgresSpendLedger
from tessera.store.postgres.migrations import PG_SCHEMA_VERSION, migrate, read_version
from tessera.store.postgres.push import PushResult, push
from tessera.store.results import TaskTotals

__all__ = ("PG_SCHEMA_VERSION", "PostgresMetricsStore", "PostgresSpendLedger", "PushResult")


class PostgresMetricsStore(MetricsStore):
    """The metrics store in a PostgreSQL database (DESIGN §7, for fleets).

    Connects lazily, on the first read or write, and migrates the schema then.
    Inherited methods run the SQLite store's own SQL through
    :class:`~tessera.store.postgres.connection.PgConnection`; the few whose SQL
    differs are overridden here.

    Args:
        path: A ``postgresql://`` URL (a :class:`~pathlib.Path` that folded its
            ``//`` is accepted too).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            raise StoreError("a PostgreSQL metrics store needs a postgresql:// URL")
        self._url = postgres_url(path)
        self._pg_connections = ThreadConnections(self._url)
        self._ready = False
        self._ready_lock = threading.Lock()

    @property
    def url(self) -> str:
        """The store's connection URL."""
        return self._url

    @property
    def path(self) -> Path:
        """The URL as a path (folded ``//``); use :attr:`url` to connect."""
        return Path(self._url)

    def __repr__(self) -> str:
        return f"MetricsStore({redacted(self._url)!r})"

    def close(self) -> None:
        """Close this process's connections; the store reconnects on next use."""
        self._pg_connections.close_all()

    def _prepare(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            conn = self._pg_connections.get()
            try:
                migrate(conn, self._url)
            except psycopg.Error as exc:
                raise StoreError(
                    f"cannot prepare the metrics store {redacted(self._url)}: {exc}"
                ) from exc
            self._ready = True

    @contextmanager
    def _pg_read(self) -> Iterator[PgConnection]:
        self._prepare()
        conn = self._pg_connections.get()
        try:
            yield conn
        except psycopg.Error as exc:
            raise StoreError(f"metrics store {redacted(self._url)}: {exc}") from exc

    @contextmanager
    def _pg_write(self) -> Iterator[PgConnection]:
        with self._pg_read() as conn, conn.raw.transaction():
            yield conn

    # The inherited methods run the SQLite modules' SQL; PgConnection speaks
    # the part of sqlite3.Connection they use, which the cast records.

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._pg_read() as conn:
            yield cast(sqlite3.Connection, conn)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._pg_write() as conn:
            yield cast(sqlite3.Connection, conn)

    def ledger(self) -> PostgresSpendLedger:
        """The fleet-wide ledger of cost-limit reservations and crossings."""
        return PostgresSpendLedger(self)

    def exists(self) -> bool:
        """Whether the schema holds a Tessera store already; reads only, never migrates.

        Raises:
            StoreError: The server does not answer or refuses the connection.
        """
        conn = self._pg_connections.get()
        try:
            return read_version(conn) > 0
        except psycopg.Error as exc:
            raise StoreError(f"metrics store {redacted(self._url)}: {exc}") from exc

    def schema_version(self) -> int:
        """The schema version of the database (after migrating it)."""
        with self._pg_read() as conn:
            return read_version(conn)

    def start_task(self, task: TaskStart) -> None:
        """Record a task as running; a known task id starts again (new phase or retry)."""
        with self._pg_write() as conn:
            writes.start_task(conn, task)

    def finish_task(self, end: TaskEnd) -> TaskTotals:
        """Complete a task phase: sum its calls, update the task, add an agent_performance row."""
        # The SQLite statements, with PostgreSQL's exact NUMERIC cost and BOOLEAN success.
        with self._write() as conn:
            return sqlite_writes.finish_task(conn, end, money=_exact, flag=bool)

    def load_prices(self, builtin: Sequence[PriceRow]) -> list[PriceRow]:
        """Sync the built-in price table and return every active row, with ids."""
        with self._pg_write() as conn:
            return prices.load_prices(conn, builtin)

    def add_price(self, row: PriceRow) -> PriceRow:
        """Store a user price row; returns it with its id and ``source='user'``."""
        with self._pg_write() as conn:
            return prices.add_price(conn, row)

    def push_from(self, source: MetricsStore) -> PushResult:
        """Copy the history of a local SQLite store into this one, in one transaction.

        Idempotent: rows already here (by natural key) are not added again.
        """
        with self._pg_write() as conn:
            return push(source, conn)

    def integrity_check(self) -> list[str]:
        """PostgreSQL keeps its own integrity; this checks the server answers and the schema."""
        with self._pg_read() as conn:
            version = read_version(conn)
        if version != PG_SCHEMA_VERSION:
            return [f"schema version {version}, expected {PG_SCHEMA_VERSION}"]
        return []


def _exact(amount: Decimal) -> Decimal:
    return amount
