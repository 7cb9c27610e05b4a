"""The model_pricing table: built-in sync, user rows, exact per-1k text."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from tessera.pricing.row import PriceRow
from tessera.records import CallRecord
from tessera.store import MetricsStore
from tessera.usage import Usage

GPT4 = PriceRow("openai", "gpt-4", Decimal("30"), Decimal("60"), date(2023, 3, 14))
GPT4O_LAUNCH = PriceRow("openai", "gpt-4o", Decimal("5"), Decimal("15"), date(2024, 5, 13))
GPT4O = PriceRow(
    "openai",
    "gpt-4o",
    Decimal("2.50"),
    Decimal("10"),
    date(2024, 10, 2),
    cache_read_per_mtok=Decimal("1.25"),
)
MINI = PriceRow(
    "openai",
    "gpt-4o-mini",
    Decimal("0.15"),
    Decimal("0.60"),
    date(2024, 7, 18),
    cache_read_per_mtok=Decimal("0.075"),
    note="list price",
)
BUILTIN = [GPT4, GPT4O_LAUNCH, GPT4O, MINI]


def _query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def test_load_prices_is_idempotent_and_returns_rows_with_ids(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        first = store.load_prices(BUILTIN)
        second = store.load_prices(BUILTIN)
    assert [row.id for row in first] == [1, 2, 3, 4]
    assert second == first
    # Same content back, exact: 2.50 == 2.5 as decimals.
    assert [dataclasses.replace(row, id=None) for row in first] == BUILTIN
    assert _query(tmp_path / "m.db", "SELECT COUNT(*) FROM model_pricing") == [(4,)]


def test_price_columns_are_exact_per_1k_text(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.load_prices(BUILTIN)
    rows = _query(
        tmp_path / "m.db",
        "SELECT model_name, prompt_price_per_1k, completion_price_per_1k, cache_read_price_per_1k,"
        " effective_date, source FROM model_pricing ORDER BY id",
    )
    # per 1k = per MTok / 1000: 30 -> 0.03, 2.50 -> 0.0025, 0.075 -> 0.000075
    assert rows == [
        ("gpt-4", "0.03", "0.06", None, "2023-03-14", "builtin"),
        ("gpt-4o", "0.005", "0.015", None, "2024-05-13", "builtin"),
        ("gpt-4o", "0.0025", "0.01", "0.00125", "2024-10-02", "builtin"),
        ("gpt-4o-mini", "0.00015", "0.0006", "0.000075", "2024-07-18", "builtin"),
    ]


def test_changed_builtin_row_gets_a_new_id_and_the_old_one_stays(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with MetricsStore(path) as store:
        loaded = store.load_prices(BUILTIN)
        assert loaded[2].prompt_per_mtok == GPT4O.prompt_per_mtok
        old_gpt4o = loaded[2].id
        at = datetime(2025, 1, 1, tzinfo=UTC)
        usage = Usage("openai", "gpt-4o", 1000, 100, 1100, reported=True)
        # 1000 x 2.50/M + 100 x 10/M = 0.0025 + 0.001 = 0.0035
        store.record_call(
            CallRecord(
                "c1",
                "c1",
                "openai",
                at,
                at,
                usage,
                "priced",
                Decimal("0.0035"),
                pricing_id=old_gpt4o,
            )
        )
        cheaper = dataclasses.replace(GPT4O, prompt_per_mtok=Decimal("2.00"))
        active = store.load_prices([GPT4, GPT4O_LAUNCH, cheaper, MINI])
        everything = store.price_rows(include_inactive=True)
        [call] = store.calls()
    # The changed row is the fifth ever inserted; the other three keep their ids.
    assert [(row.id, row.model_name, row.prompt_per_mtok) for row in active] == [
        (1, "gpt-4", Decimal("30")),
        (2, "gpt-4o", Decimal("5")),
        (4, "gpt-4o-mini", Decimal("0.15")),
        (5, "gpt-4o", Decimal("2")),
    ]
    assert old_gpt4o == 3
    assert [row.id for row in everything] == [1, 2, 3, 4, 5]
    assert _query(path, f"SELECT active FROM model_pricing WHERE id = {old_gpt4o}") == [(0,)]
    assert call.pricing_id == old_gpt4o


def test_row_back_in_the_table_is_reactivated_with_its_old_id(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.load_prices(BUILTIN)
        store.load_prices([GPT4])
        assert [row.model_name for row in store.price_rows()] == ["gpt-4"]
        back = store.load_prices(BUILTIN)
    assert [row.id for row in back] == [1, 2, 3, 4]


def test_user_rows_survive_builtin_sync(tmp_path: Path) -> None:
    custom = PriceRow(
        "openai",
        "my-finetune",
        Decimal("0.3"),
        Decimal("1.2"),
        date(2026, 1, 1),
        model_pattern=r"ft:gpt-4o-mini:.*",
        source="builtin",  # the store marks it as the user's anyway
    )
    with MetricsStore(tmp_path / "m.db") as store:
        store.load_prices([GPT4])
        added = store.add_price(custom)
        rows = store.load_prices([GPT4O])
        assert store.deactivate_price(added.id or 0)
        assert not store.deactivate_price(added.id or 0)
        after = store.price_rows()
    assert (added.id, added.source) == (2, "user")
    # gpt-4 (id 1) left the table; the user row (2) and gpt-4o (3) are active.
    assert [(row.id, row.source, row.model_name) for row in rows] == [
        (2, "user", "my-finetune"),
        (3, "builtin", "gpt-4o"),
    ]
    assert rows[0] == added
    assert [row.id for row in after] == [3]


def test_changed_note_alone_keeps_the_row(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "m.db") as store:
        store.load_prices([MINI])
        [row] = store.load_prices([dataclasses.replace(MINI, note="checked 2026-08")])
    # Same prices and dates: same row (id 1), new note.
    assert (row.id, row.note) == (1, "checked 2026-08")
