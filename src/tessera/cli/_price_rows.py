"""How ``tessera pricing`` reads price rows: from the store with the config's custom
prices applied, or from the built-in table alone when there is no database yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tessera.cli._common import open_store, store_exists
from tessera.config import load_config, metrics_db_path
from tessera.errors import TesseraError
from tessera.pricing import CostCalculator, PriceRow, apply_custom_prices
from tessera.store import MetricsStore
from tessera.store.backend import is_postgres_url


def mtok(row: PriceRow, attr: str) -> str:
    value = getattr(row, attr)
    return "—" if value is None else format(value, "f")


def row_json(row: PriceRow) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "origin": "user" if row.source == "user" else "built-in",
        "provider": row.provider,
        "model": row.model_name,
        "pattern": row.model_pattern,
        "effective_date": row.effective_date.isoformat(),
        "deprecated_date": row.deprecated_date.isoformat() if row.deprecated_date else None,
        "unit": "USD per 1M tokens",
    }
    for attr in (
        "prompt_per_mtok",
        "completion_per_mtok",
        "cache_read_per_mtok",
        "cache_write_per_mtok",
        "cache_write_1h_per_mtok",
        "reasoning_per_mtok",
        "long_context_threshold",
        "long_context_prompt_per_mtok",
        "long_context_completion_per_mtok",
        "long_context_cache_read_per_mtok",
        "long_context_cache_write_per_mtok",
    ):
        value = getattr(row, attr)
        data[attr] = None if value is None else str(value)
    data["note"] = row.note
    return data


def calculator_for(db: Path | None, *, create: bool = False) -> tuple[CostCalculator, MetricsStore]:
    """A calculator over the store, with the config file's custom prices applied."""
    try:
        config = load_config()
        path = db if db is not None else metrics_db_path(config)
        store = MetricsStore(path) if create or path.exists() else open_store(path)
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        # Open the file first: the calculator falls back to the built-in table
        # when the store fails, which would hide a file that is not a database.
        store.price_rows()
        calculator = CostCalculator(store=store)
        apply_custom_prices(calculator, config)
        calculator.rows()
    except TesseraError as exc:
        store.close()
        raise click.ClickException(str(exc)) from exc
    return calculator, store


def readonly_rows(db: Path | None) -> tuple[CostCalculator, MetricsStore | None]:
    """Rows from the store when it exists (a file, or a schema with Tessera's tables);
    else the built-in table alone (nothing created)."""
    try:
        path = db if db is not None else metrics_db_path(load_config())
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    if is_postgres_url(path):
        try:
            with MetricsStore(path) as store:
                found = store_exists(store)
        except TesseraError as exc:
            raise click.ClickException(str(exc)) from exc
        if found:
            return calculator_for(db)
    elif path.exists():
        return calculator_for(db)
    return CostCalculator(), None
