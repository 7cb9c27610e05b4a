"""The ``model_pricing`` table: syncing the built-in table, user rows, reading rows back.

Rows are never deleted, because calls keep the id of the row that priced them;
a built-in row that leaves the shipped table only becomes inactive.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from tessera.pricing.row import PriceRow, PriceSource
from tessera.store.convert import date_text, iso_utc, parse_date, price_from_text, price_text

#: (column, PriceRow field) of every per-1k price column.
_PRICE_COLUMNS = (
    ("prompt_price_per_1k", "prompt_per_mtok"),
    ("completion_price_per_1k", "completion_per_mtok"),
    ("cache_read_price_per_1k", "cache_read_per_mtok"),
    ("cache_write_price_per_1k", "cache_write_per_mtok"),
    ("cache_write_1h_price_per_1k", "cache_write_1h_per_mtok"),
    ("reasoning_price_per_1k", "reasoning_per_mtok"),
    ("long_context_prompt_price_per_1k", "long_context_prompt_per_mtok"),
    ("long_context_completion_price_per_1k", "long_context_completion_per_mtok"),
    ("long_context_cache_read_price_per_1k", "long_context_cache_read_per_mtok"),
    ("long_context_cache_write_price_per_1k", "long_context_cache_write_per_mtok"),
)
_OTHER_COLUMNS = (
    "id",
    "provider",
    "model_name",
    "model_pattern",
    "long_context_threshold",
    "effective_date",
    "deprecated_date",
    "source",
    "note",
)
_SELECT = (
    f"SELECT {', '.join(_OTHER_COLUMNS + tuple(c for c, _ in _PRICE_COLUMNS))} FROM model_pricing"
)
_INSERT_COLUMNS = (
    "provider",
    "model_name",
    "model_pattern",
    *(column for column, _ in _PRICE_COLUMNS),
    "long_context_threshold",
    "effective_date",
    "deprecated_date",
    "source",
    "note",
    "builtin_key",
    "active",
    "added_at",
)
_INSERT = (
    f"INSERT INTO model_pricing ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)})"
)


def content_key(row: PriceRow) -> str:
    """A stable hash of what a row prices: provider, model, pattern, prices and dates.

    Prices enter as their exact per-1k text, so ``2.50`` and ``2.5`` give the same key.
    """
    content: dict[str, Any] = {
        "provider": row.provider,
        "model_name": row.model_name,
        "model_pattern": row.model_pattern,
        "long_context_threshold": row.long_context_threshold,
        "effective_date": date_text(row.effective_date),
        "deprecated_date": date_text(row.deprecated_date),
    }
    for column, attr in _PRICE_COLUMNS:
        content[column] = price_text(getattr(row, attr))
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"))
    import hashlib  # only user rows need it: ~2.5 ms of start-up saved

    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _values(row: PriceRow, source: PriceSource, key: str | None) -> tuple[Any, ...]:
    return (
        row.provider,
        row.model_name,
        row.model_pattern,
        *(price_text(getattr(row, attr)) for _, attr in _PRICE_COLUMNS),
        row.long_context_threshold,
        date_text(row.effective_date),
        date_text(row.deprecated_date),
        source,
        row.note,
        key,
        1,
        iso_utc(datetime.now(UTC)),
    )


def _from_db(values: sqlite3.Row | tuple[Any, ...]) -> PriceRow:
    named = dict(zip(_OTHER_COLUMNS + tuple(c for c, _ in _PRICE_COLUMNS), values, strict=True))
    prices: dict[str, Decimal | None] = {
        attr: price_from_text(named[column]) for column, attr in _PRICE_COLUMNS
    }
    prompt, completion = prices.pop("prompt_per_mtok"), prices.pop("completion_per_mtok")
    assert prompt is not None and completion is not None  # NOT NULL columns
    effective = parse_date(named["effective_date"])
    assert effective is not None  # NOT NULL column
    return PriceRow(
        provider=named["provider"],
        model_name=named["model_name"],
        prompt_per_mtok=prompt,
        completion_per_mtok=completion,
        effective_date=effective,
        model_pattern=named["model_pattern"],
        long_context_threshold=named["long_context_threshold"],
        deprecated_date=parse_date(named["deprecated_date"]),
        source=cast(PriceSource, named["source"]),
        note=named["note"],
        id=named["id"],
        **prices,
    )


def load_prices(conn: sqlite3.Connection, builtin: Sequence[PriceRow]) -> list[PriceRow]:
    """Sync the built-in table into ``model_pricing`` and return every active row.

    A built-in row whose content key is missing is inserted; one already stored
    is reactivated if needed and takes the table's note; an active built-in row
    whose key is no longer in ``builtin`` is marked inactive. User rows are
    untouched.
    """
    keys: dict[str, PriceRow] = {}
    for row in builtin:
        keys.setdefault(content_key(row), row)
    stored = {
        key: (active, note)
        for key, active, note in conn.execute(
            "SELECT builtin_key, active, note FROM model_pricing WHERE source = 'builtin'"
        )
    }
    for key, row in keys.items():
        if key not in stored:
            conn.execute(_INSERT, _values(row, "builtin", key))
        elif stored[key] != (1, row.note):
            # Same prices: the same row (calls keep its id); only its note may be new.
            conn.execute(
                "UPDATE model_pricing SET active = 1, note = ? WHERE builtin_key = ?",
                (row.note, key),
            )
    gone = [(key,) for key, (active, _) in stored.items() if active and key not in keys]
    conn.executemany("UPDATE model_pricing SET active = 0 WHERE builtin_key = ?", gone)
    return price_rows(conn)


def add_price(conn: sqlite3.Connection, row: PriceRow) -> PriceRow:
    """Insert a user price row and return it with its id and ``source='user'``.

    An active user row with the same content (:func:`content_key`: provider,
    model, pattern, prices and dates) is returned instead of a duplicate, so
    applying the same custom prices again (another process, the next start)
    adds nothing.
    """
    key = content_key(row)
    for values in conn.execute(
        _SELECT + " WHERE source = 'user' AND active = 1 AND provider = ? AND model_name = ?"
        " ORDER BY id",
        (row.provider, row.model_name),
    ):
        existing = _from_db(values)
        if content_key(existing) == key:
            return existing
    cursor = conn.execute(_INSERT, _values(row, "user", None))
    return dataclasses.replace(row, source="user", id=cursor.lastrowid)


def deactivate_price(conn: sqlite3.Connection, price_id: int) -> bool:
    """Mark one row inactive; ``False`` when no active row has that id."""
    cursor = conn.execute(
        "UPDATE model_pricing SET active = 0 WHERE id = ? AND active = 1", (price_id,)
    )
    return cursor.rowcount > 0


def price_rows(conn: sqlite3.Connection, include_inactive: bool = False) -> list[PriceRow]:
    """Stored rows in id order; only active ones unless asked."""
    where = "" if include_inactive else " WHERE active = 1"
    return [_from_db(values) for values in conn.execute(_SELECT + where + " ORDER BY id")]


#: The price columns followed by ``builtin_key, active``, from a table named by ``{}``.
SELECT_WITH_KEYS = _SELECT.replace(" FROM model_pricing", ", builtin_key, active FROM {}")


def remap_price_ids(
    target_rows: Iterable[Sequence[Any]],
    source_rows: Iterable[Sequence[Any]],
    used: set[int],
    insert: Callable[[list[Any]], int],
) -> tuple[dict[int, int], int]:
    """Map another store's ``model_pricing`` ids to this one's, inserting rows it lacks.

    Rows are matched by their built-in content key, or for user rows by their
    content and whether they are active. Only user rows and the built-in rows
    that priced a copied call (``used``) are carried over: each store syncs its
    own built-in table.

    Args:
        target_rows: This store's rows (``SELECT_WITH_KEYS``).
        source_rows: The other store's rows, in id order.
        used: The other store's price ids that its calls refer to.
        insert: Inserts one row's values here and returns its new id.

    Returns:
        The id map and the number of rows inserted.
    """
    known: dict[Any, int] = {}
    for values in target_rows:
        stored = _from_db(tuple(values[:-2]))
        assert stored.id is not None  # read from the table
        if values[-2] is not None:
            known[values[-2]] = stored.id
        elif stored.source == "user":
            known.setdefault((content_key(stored), values[-1]), stored.id)
    mapping: dict[int, int] = {}
    added = 0
    for values in source_rows:
        row = _from_db(tuple(values[:-2]))
        builtin_key, active = values[-2], values[-1]
        assert row.id is not None  # read from the table
        key: Any = builtin_key
        if builtin_key is None:
            key = (content_key(row), active)
        elif row.id not in used and builtin_key not in known:
            continue
        if key not in known:
            new = list(_values(row, row.source, builtin_key))
            new[-2] = active
            known[key] = insert(new)
            added += 1
        mapping[row.id] = known[key]
    return mapping, added
