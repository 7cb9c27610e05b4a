"""Price rows on PostgreSQL: the SQLite module's statements, serialized across hosts.

Syncing the built-in table and adding a user row read, then write; SQLite's
``BEGIN IMMEDIATE`` makes that one step, here an advisory lock does. Adding a
row needs ``RETURNING id`` where SQLite has ``lastrowid``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from typing import cast

from tessera.pricing.row import PriceRow
from tessera.store import prices
from tessera.store.postgres.connection import PgConnection

PRICES_LOCK = "model_pricing"


def load_prices(conn: PgConnection, builtin: Sequence[PriceRow]) -> list[PriceRow]:
    """Sync the built-in table (see :func:`tessera.store.prices.load_prices`)."""
    conn.lock(PRICES_LOCK)
    # PgConnection speaks the part of sqlite3.Connection that load_prices uses.
    return prices.load_prices(cast(sqlite3.Connection, conn), builtin)


def add_price(conn: PgConnection, row: PriceRow) -> PriceRow:
    """Store a user row, or return the active one with the same content."""
    conn.lock(PRICES_LOCK)
    key = prices.content_key(row)
    for values in conn.execute(
        prices._SELECT + " WHERE source = 'user' AND active = 1 AND provider = ? AND model_name = ?"
        " ORDER BY id",
        (row.provider, row.model_name),
    ):
        existing = prices._from_db(values)
        if prices.content_key(existing) == key:
            return existing
    inserted = conn.execute(
        prices._INSERT + " RETURNING id", prices._values(row, "user", None)
    ).fetchone()
    assert inserted is not None  # INSERT ... RETURNING returns the row
    return dataclasses.replace(row, source="user", id=int(inserted[0]))
