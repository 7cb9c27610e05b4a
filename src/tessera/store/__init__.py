"""The metrics store: task, agent, call and price records in a local SQLite file.

Every write is one ``BEGIN IMMEDIATE`` transaction, durable when the method
returns; several threads and processes may write the same file. Queries return
frozen dataclasses with exact :class:`~decimal.Decimal` money. No SQL leaves
this package.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from tessera.errors import StoreError
from tessera.paths import default_db_path
from tessera.pricing.row import PriceRow
from tessera.records import CallRecord, RunRecord, TaskEnd, TaskStart
from tessera.store import connection, prices, queries, reprice, writes
from tessera.store.backend import is_postgres_url
from tessera.store.convert import iso_utc
from tessera.store.migrations import SCHEMA_VERSION, migrate
from tessera.store.queries import CostGroupBy
from tessera.store.results import (
    AgentSummary,
    CallRow,
    CostGroup,
    QualityIterationRow,
    StoreTotals,
    TaskRow,
    TaskTotals,
    UnpricedModel,
)

if TYPE_CHECKING:
    from tessera.store.importing import ImportResult
    from tessera.store.ledger import SpendLedger

__all__ = (
    "SCHEMA_VERSION",
    "AgentSummary",
    "CallRow",
    "CostGroup",
    "CostGroupBy",
    "MetricsStore",
    "QualityIterationRow",
    "StoreTotals",
    "TaskRow",
    "TaskTotals",
    "UnpricedModel",
    "iso_utc",
)


class MetricsStore:
    """The SQLite metrics store (DESIGN §7).

    The file is opened lazily, on the first read or write: it is created 0600
    in a 0700 directory if missing, refused with :class:`StoreError` if it is
    not SQLite, corrupt, or written by a newer Tessera, and migrated otherwise.

    Args:
        path: The database file; ``None`` means :func:`tessera.paths.default_db_path`.
            A ``postgresql://`` URL opens the shared PostgreSQL store instead
            (:class:`tessera.store.postgres.PostgresMetricsStore`).
    """

    def __new__(cls, path: str | os.PathLike[str] | None = None) -> MetricsStore:
        # A postgresql:// URL selects the shared PostgreSQL store (the
        # ``postgres`` extra), so every caller opens either backend the same way.
        if cls is MetricsStore and is_postgres_url(path):
            try:
                from tessera.store.postgres import PostgresMetricsStore
            except ImportError as exc:
                raise StoreError(
                    "a postgresql:// metrics store needs psycopg: "
                    "pip install 'tessera-observability[postgres]'"
                ) from exc
            return super().__new__(PostgresMetricsStore)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = Path(path) if path is not None else default_db_path()
        self._connections = connection.ThreadConnections(self._path)
        self._ready = False
        self._ready_lock = threading.Lock()
        self._sidecars_private = False

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    def __repr__(self) -> str:
        return f"MetricsStore({str(self._path)!r})"

    def __enter__(self) -> MetricsStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections this store opened; the store reopens on next use."""
        self._connections.close_all()

    def ledger(self) -> SpendLedger:
        """The ledger of cost-limit reservations and crossings kept in this store."""
        from tessera.store.ledger import SpendLedger

        return SpendLedger(self)

    def _prepare(self) -> None:
        """Check, create and migrate the file once per store."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            connection.create_private_file(self._path)
            connection.check_header(self._path)
            conn = connection.connect(self._path)
            try:
                version = connection.read_schema_version(conn, self._path)
                migrate(conn, self._path, version)
                connection.enable_wal(conn)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open metrics database {self._path}: {exc}") from exc
            finally:
                conn.close()
            connection.tighten_sidecars(self._path)
            self._ready = True

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        self._prepare()
        conn = self._connections.get()
        try:
            yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"metrics database {self._path}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._read() as conn, connection.transaction(conn):
            yield conn
        if not self._sidecars_private:
            connection.tighten_sidecars(self._path)
            self._sidecars_private = True

    # Writes -----------------------------------------------------------------

    def start_run(self, run: RunRecord) -> None:
        """Record a workflow run as running."""
        with self._write() as conn:
            writes.start_run(conn, run)

    def finish_run(self, run_id: str, ended_at: datetime, status: str) -> None:
        """Record the end time and final status of a run."""
        with self._write() as conn:
            writes.finish_run(conn, run_id, ended_at, status)

    def start_task(self, task: TaskStart) -> None:
        """Record a task as running; a known task id starts again (new phase or retry)."""
        with self._write() as conn:
            writes.start_task(conn, task)

    def record_call(self, record: CallRecord) -> None:
        """Record one model call (one billed attempt).

        Raises:
            ValueError: The cost contradicts ``cost_status``.
            StoreError: The row cannot be written (for example a repeated ``call_id``).
        """
        with self._write() as conn:
            writes.record_call(conn, record)

    def record_calls(self, records: Iterable[CallRecord], batch_size: int = 50_000) -> int:
        """Record many calls at once (an import), ``batch_size`` rows per transaction.

        Returns:
            How many calls were written.
        """
        from tessera.store import bulk

        return bulk.record_calls(self, records, batch_size)

    def import_database(self, path: str | Path) -> ImportResult:
        """Copy another Tessera database file's history into this store, inside SQLite.

        Idempotent, like ``tessera db push``: rows are matched on their natural keys,
        calls keep their prices (ids remapped), one transaction. The file is only read.

        Returns:
            Rows read and rows added or updated, per table.

        Raises:
            StoreError: The file is missing, is this store's own file, is not a
                Tessera database, has a newer schema, or cannot be read.
        """
        from tessera.store import importing

        return importing.import_database(self, Path(path))

    def finish_task(self, end: TaskEnd) -> TaskTotals:
        """Complete a task phase: sum its calls, update the task, add an agent_performance row.

        Returns:
            The phase's totals: calls started by this task at or after ``end.started_at``.
        """
        with self._write() as conn:
            return writes.finish_task(conn, end)

    def record_quality_iteration(
        self,
        run_id: str | None,
        monitor: str,
        iteration: int,
        coverage: float,
        quality_score: float,
        tasks_completed: int,
        cost_usd: Decimal | float | None = None,
        recorded_at: datetime | None = None,
    ) -> None:
        """Record one quality-monitor iteration (re-recording a number replaces it)."""
        with self._write() as conn:
            writes.record_quality_iteration(
                conn,
                run_id,
                monitor,
                iteration,
                coverage,
                quality_score,
                tasks_completed,
                cost_usd,
                recorded_at,
            )

    # Prices -----------------------------------------------------------------

    def load_prices(self, builtin: Sequence[PriceRow]) -> list[PriceRow]:
        """Sync the built-in price table and return every active row, with ids.

        New built-in rows are inserted, rows gone from ``builtin`` become inactive
        (never deleted: calls keep their ids), user rows are kept.
        """
        with self._write() as conn:
            return prices.load_prices(conn, builtin)

    def add_price(self, row: PriceRow) -> PriceRow:
        """Store a user price row; returns it with its id and ``source='user'``."""
        with self._write() as conn:
            return prices.add_price(conn, row)

    def deactivate_price(self, price_id: int) -> bool:
        """Stop using a price row (it stays for the calls it priced); False if none was active."""
        with self._write() as conn:
            return prices.deactivate_price(conn, price_id)

    def price_rows(self, include_inactive: bool = False) -> list[PriceRow]:
        """Stored price rows in id order."""
        with self._read() as conn:
            return prices.price_rows(conn, include_inactive)

    def reprice_calls(
        self,
        pricer: reprice.Pricer,
        since: datetime,
        until: datetime | None = None,
        dry_run: bool = False,
    ) -> reprice.RepriceResult:
        """Recompute the cost of the calls started in ``[since, until)`` with ``pricer``'s rows.

        Calls, and the task and ``agent_performance`` totals summed from them,
        are rewritten in one transaction; a dry run writes nothing. Load the
        pricer's rows first (``CostCalculator.rows()``): it must not write to
        this store while the transaction is open.
        """
        if dry_run:
            with self._read() as conn:
                return reprice.reprice(conn, pricer, since, until, dry_run=True)
        with self._write() as conn:
            return reprice.reprice(conn, pricer, since, until)

    # Queries ----------------------------------------------------------------

    def agent_summary(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[AgentSummary]:
        """Finished task phases per agent in ``[since, until)``, most expensive first."""
        with self._read() as conn:
            return queries.agent_summary(conn, since, until)

    def cost_by(
        self,
        group: CostGroupBy | str = "day",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str | tzinfo | None = None,
    ) -> list[CostGroup]:
        """Calls, tokens and exact cost grouped by ``day``, ``agent``, ``model``, ``task``
        or ``provider``.

        Args:
            group: What to group by; ``model`` is the served model, else the requested one.
            since: Calls started at or after this moment (naive means UTC).
            until: Calls started before this moment.
            tz: Zone of the ``day`` boundaries: an IANA name or a tzinfo; ``None``
                is the machine's local zone.

        Raises:
            ValueError: Unknown group or time zone.
        """
        with self._read() as conn:
            return queries.cost_by(conn, group, since, until, tz)

    def tasks(
        self,
        status: str | None = None,
        agent: str | None = None,
        limit: int = 100,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[TaskRow]:
        """Task rows (started in ``[since, until)``), newest first."""
        with self._read() as conn:
            return queries.tasks(conn, status, agent, limit, since, until)

    def calls(
        self,
        task_id: str | None = None,
        limit: int = 100,
        *,
        run_id: str | None = None,
        agent: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[CallRow]:
        """Model call rows, newest first."""
        with self._read() as conn:
            return queries.calls(conn, task_id, run_id, agent, since, until, limit)

    def unpriced_models(self) -> list[UnpricedModel]:
        """Models called without a known price, most calls first."""
        with self._read() as conn:
            return queries.unpriced_models(conn)

    def spend(self, since: datetime | None = None, until: datetime | None = None) -> Decimal:
        """Exact known cost of the calls started in ``[since, until)``, all processes."""
        with self._read() as conn:
            return queries.spend(conn, since, until)

    def run_spend(self, run_id: str) -> Decimal:
        """Exact known cost of the calls of one run."""
        with self._read() as conn:
            return queries.spend(conn, None, None, ("run_id", run_id))

    def task_spend(self, task_id: str, since: datetime | None = None) -> Decimal:
        """Exact known cost of the calls of one task (started at or after ``since``)."""
        with self._read() as conn:
            return queries.spend(conn, since, None, ("task_id", task_id))

    def quality_iterations(
        self, run_id: str | None = None, monitor: str | None = None
    ) -> list[QualityIterationRow]:
        """Recorded quality iterations in recording order."""
        with self._read() as conn:
            return queries.quality_iterations(conn, run_id, monitor)

    def totals(self) -> StoreTotals:
        """Calls, tasks and exact cost over the whole store."""
        with self._read() as conn:
            return queries.totals(conn)

    def integrity_check(self) -> list[str]:
        """SQLite's integrity check; an empty list means the file is sound."""
        with self._read() as conn:
            found = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found
