"""A store that stops accepting writes (full disk, read-only file): say it once, count the rest.

A full disk fails every write the same way; one traceback per call would bury
the user's own logs and still not say what was lost. The first failure is
logged with its traceback and the database it concerns; later ones are only
counted; when writes work again, or at shutdown, one warning says how many
records, how many model calls and how much money were lost.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

from tessera._log import log_internal_error, logger
from tessera.records import CallRecord
from tessera.store.backend import display_location


class StoreOutage:
    """Counts writes lost to one store while it refuses them."""

    def __init__(self, path: Path) -> None:
        # A PostgreSQL URL held as a Path has lost a slash, and may carry a password.
        self._path = display_location(path)
        self._lock = threading.Lock()
        self.records = 0
        self.calls = 0
        self.cost_usd = Decimal(0)

    def failed(self, what: str, call: CallRecord | None) -> None:
        """Count a failed write; log the first of an outage with its traceback.

        Call it from the ``except`` block of the failed write.
        """
        with self._lock:
            first = self.records == 0
            self.records += 1
            if call is not None:
                self.calls += 1
                self.cost_usd += call.cost_usd or 0
        if first:
            log_internal_error(
                what, f"database {self._path}; later failures are counted, not logged"
            )

    def succeeded(self) -> None:
        """A write went through: report the outage that just ended, if any."""
        if self.records:
            self._report("writing to %s works again")

    def close(self) -> None:
        """At shutdown: report what is still lost."""
        if self.records:
            self._report("%s could not be written to")

    def _report(self, how: str) -> None:
        with self._lock:
            records, calls, cost = self.records, self.calls, self.cost_usd
            self.records, self.calls, self.cost_usd = 0, 0, Decimal(0)
        logger.warning(
            how + "; %d records lost meanwhile (%d model calls, $%s of known cost)",
            self._path,
            records,
            calls,
            cost,
        )
