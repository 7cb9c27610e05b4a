"""The built-in price table: loading and validating ``data/prices.toml``.

The table is package data, read with :mod:`importlib.resources` and
:mod:`tomllib`. Every row is validated, so a typo in the table fails loudly,
naming the row, instead of mispricing calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from tessera.capture.providers import canonical_provider
from tessera.pricing.errors import PriceTableError
from tessera.pricing.matching import normalize_model
from tessera.pricing.row import PriceRow

UNIT = "USD per 1M tokens"

_REQUIRED = frozenset({"provider", "model", "effective_date", "input", "output", "source"})
_PRICE_KEYS = {
    "input": "prompt_per_mtok",
    "output": "completion_per_mtok",
    "cache_read": "cache_read_per_mtok",
    "cache_write": "cache_write_per_mtok",
    "cache_write_1h": "cache_write_1h_per_mtok",
    "reasoning": "reasoning_per_mtok",
    "long_context_input": "long_context_prompt_per_mtok",
    "long_context_output": "long_context_completion_per_mtok",
    "long_context_cache_read": "long_context_cache_read_per_mtok",
    "long_context_cache_write": "long_context_cache_write_per_mtok",
}
_OTHER_KEYS = frozenset(
    {"aliases", "pattern", "long_context_threshold", "deprecated_date"} | _REQUIRED
)
_ALLOWED = _OTHER_KEYS | frozenset(_PRICE_KEYS)
# Plain decimal text only: no exponent, sign, NaN or thousands separators.
_DECIMAL_TEXT = re.compile(r"\d+(\.\d+)?")


@cache
def _builtin_rows() -> tuple[PriceRow, ...]:
    # importlib.resources and tomllib load with the first price lookup, not with
    # ``import tessera.observability`` (about 9 ms of start-up).
    from importlib.resources import files

    text = files("tessera.pricing").joinpath("data/prices.toml").read_text(encoding="utf-8")
    return tuple(parse_price_table(text, origin="tessera/pricing/data/prices.toml"))


def load_builtin_prices() -> list[PriceRow]:
    """The shipped price table, validated (parsed once per process).

    Returns:
        One :class:`PriceRow` per model price period (aliases expanded), with
        ``source="builtin"`` and ``id`` None.

    Raises:
        PriceTableError: The shipped table holds an invalid row.
    """
    return list(_builtin_rows())


def load_price_file(path: Path) -> list[PriceRow]:
    """Read and validate a price table in the built-in table's format.

    Args:
        path: A TOML file with ``unit`` and ``[[price]]`` tables.

    Returns:
        The rows, with ``source="builtin"``.

    Raises:
        PriceTableError: The file is not valid TOML or holds an invalid row.
    """
    return parse_price_table(Path(path).read_text(encoding="utf-8"), origin=str(path))


def parse_price_table(text: str, origin: str) -> list[PriceRow]:
    """Parse and validate the text of a price table.

    Args:
        text: TOML text in the format of ``data/prices.toml``.
        origin: Where the text comes from, for error messages.

    Returns:
        The rows in file order, each alias expanded into its own row.

    Raises:
        PriceTableError: Invalid TOML, wrong unit, or an invalid or duplicate row;
            the message names the file and the row.
    """
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PriceTableError(f"{origin}: not valid TOML: {exc}") from exc
    extra = set(data) - {"unit", "price"}
    if extra:
        raise PriceTableError(f"{origin}: unknown top-level keys {sorted(extra)}")
    if data.get("unit") != UNIT:
        raise PriceTableError(f"{origin}: `unit` must be {UNIT!r}, got {data.get('unit')!r}")
    tables = data.get("price", [])
    if not isinstance(tables, list):
        raise PriceTableError(f"{origin}: `price` must be an array of tables ([[price]])")
    rows: list[PriceRow] = []
    seen: dict[tuple[str, str, date], str] = {}
    for number, table in enumerate(tables, start=1):
        where = f"{origin}, [[price]] #{number}"
        if isinstance(table, Mapping):
            where += (
                f" ({table.get('provider')} {table.get('model')} {table.get('effective_date')})"
            )
        for row in _parse_row(table, where):
            key = (row.provider, row.model_name, row.effective_date)
            if key in seen:
                raise PriceTableError(f"{where}: duplicate of {seen[key]} for {row.model_name!r}")
            seen[key] = where
            rows.append(row)
    return rows


def _parse_row(table: Any, where: str) -> list[PriceRow]:
    if not isinstance(table, Mapping):
        raise PriceTableError(f"{where}: must be a table")
    unknown = set(table) - _ALLOWED
    if unknown:
        raise PriceTableError(f"{where}: unknown keys {sorted(unknown)}")
    missing = _REQUIRED - set(table)
    if missing:
        raise PriceTableError(f"{where}: missing keys {sorted(missing)}")
    provider = _text(table, "provider", where)
    if canonical_provider(provider) != provider:
        raise PriceTableError(f"{where}: provider {provider!r} is not a canonical provider id")
    prices = {
        field: parse_price(table[key], f"{where}: `{key}`")
        for key, field in _PRICE_KEYS.items()
        if key in table
    }
    threshold = table.get("long_context_threshold")
    _check_tier(threshold, prices, where)
    pattern = table.get("pattern")
    if pattern is not None:
        check_pattern(pattern, where)
    names = [_model_name(table["model"], where)]
    aliases = table.get("aliases", [])
    if not isinstance(aliases, list):
        raise PriceTableError(f"{where}: `aliases` must be a list of model ids")
    names += [_model_name(alias, where) for alias in aliases]
    return [
        with_prices(
            PriceRow(
                provider=provider,
                model_name=name,
                prompt_per_mtok=prices["prompt_per_mtok"],
                completion_per_mtok=prices["completion_per_mtok"],
                effective_date=_date(table["effective_date"], f"{where}: `effective_date`"),
                deprecated_date=_optional_date(table.get("deprecated_date"), where),
                # The pattern belongs to the main model; aliases are exact ids only.
                model_pattern=pattern if index == 0 else None,
                long_context_threshold=threshold,
                source="builtin",
                note=_text(table, "source", where),
            ),
            prices,
        )
        for index, name in enumerate(names)
    ]


def with_prices(row: PriceRow, prices: Mapping[str, Decimal | None]) -> PriceRow:
    """``row`` with the prices named in ``prices`` (PriceRow field names) replaced."""
    prompt = prices.get("prompt_per_mtok")
    completion = prices.get("completion_per_mtok")
    return replace(
        row,
        prompt_per_mtok=row.prompt_per_mtok if prompt is None else prompt,
        completion_per_mtok=row.completion_per_mtok if completion is None else completion,
        cache_read_per_mtok=prices.get("cache_read_per_mtok", row.cache_read_per_mtok),
        cache_write_per_mtok=prices.get("cache_write_per_mtok", row.cache_write_per_mtok),
        cache_write_1h_per_mtok=prices.get("cache_write_1h_per_mtok", row.cache_write_1h_per_mtok),
        reasoning_per_mtok=prices.get("reasoning_per_mtok", row.reasoning_per_mtok),
        long_context_prompt_per_mtok=prices.get(
            "long_context_prompt_per_mtok", row.long_context_prompt_per_mtok
        ),
        long_context_completion_per_mtok=prices.get(
            "long_context_completion_per_mtok", row.long_context_completion_per_mtok
        ),
        long_context_cache_read_per_mtok=prices.get(
            "long_context_cache_read_per_mtok", row.long_context_cache_read_per_mtok
        ),
        long_context_cache_write_per_mtok=prices.get(
            "long_context_cache_write_per_mtok", row.long_context_cache_write_per_mtok
        ),
    )


def parse_price(value: object, where: str) -> Decimal:
    """A price from a table cell: decimal text such as ``"2.50"``, never a float.

    Raises:
        PriceTableError: The value is not plain non-negative decimal text.
    """
    if isinstance(value, str) and value.strip().startswith("-"):
        raise PriceTableError(f"{where}: price must not be negative, got {value!r}")
    if not isinstance(value, str) or not _DECIMAL_TEXT.fullmatch(value.strip()):
        raise PriceTableError(
            f'{where}: price must be a decimal string such as "2.50" (USD per 1M tokens), '
            f"got {value!r}"
        )
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid text
        raise PriceTableError(f"{where}: bad decimal {value!r}") from exc


def check_pattern(pattern: object, where: str) -> re.Pattern[str]:
    """Compile a model pattern, or fail naming where it came from.

    Raises:
        PriceTableError: The pattern is not a string or not a valid regular expression.
    """
    if not isinstance(pattern, str) or not pattern:
        raise PriceTableError(f"{where}: `pattern` must be a non-empty string")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise PriceTableError(f"{where}: invalid regular expression {pattern!r}: {exc}") from exc


def _check_tier(threshold: object, prices: Mapping[str, Decimal], where: str) -> None:
    tier = {k for k in prices if k.startswith("long_context_")}
    if threshold is None:
        if tier:
            raise PriceTableError(f"{where}: long-context prices need `long_context_threshold`")
        return
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
        raise PriceTableError(
            f"{where}: `long_context_threshold` must be a positive integer, got {threshold!r}"
        )
    needed = {"long_context_prompt_per_mtok", "long_context_completion_per_mtok"}
    if not needed <= tier:
        raise PriceTableError(
            f"{where}: a long-context tier needs `long_context_input` and `long_context_output`"
        )


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise PriceTableError(f"{where}: `{key}` must be a non-empty string, got {value!r}")
    return value


def _model_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PriceTableError(f"{where}: model id must be a non-empty string, got {value!r}")
    normalized = normalize_model(value).lookup_name
    if normalized != value:
        raise PriceTableError(
            f"{where}: model id {value!r} must be written normalized, as {normalized!r}"
        )
    return value


def _date(value: object, where: str) -> date:
    # tomllib gives datetime for date-times; a price period starts on a whole day.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PriceTableError(f"{where}: must be a date such as 2024-10-02, got {value!r}")


def _optional_date(value: object, where: str) -> date | None:
    return None if value is None else _date(value, f"{where}: `deprecated_date`")
