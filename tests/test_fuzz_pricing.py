"""Property tests: any price table gives valid rows or one PricingError, nothing else.

A row that loads carries exactly the prices its table row wrote: never a
negative, NaN or made-up price, never a model the row did not name.
"""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.pricing.errors import PricingError
from tessera.pricing.table import UNIT, parse_price_table

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PRICE_KEYS = [
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "reasoning",
    "long_context_input",
    "long_context_output",
    "long_context_cache_read",
    "long_context_cache_write",
]
price_value = st.one_of(
    st.sampled_from(["2.50", "0", "10", "-1", "1e3", "NaN", "inf", " 3 ", "1,000", "", "0.000001"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.integers(min_value=-5, max_value=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
model_name = st.one_of(
    st.sampled_from(["gpt-4o", "claude-sonnet-4", "GPT-4o", "openai/gpt-4o", "x@2024", ""]),
    st.text(alphabet="abcdefgh-.0123456789", min_size=1, max_size=10),
    st.integers(),
)
row = st.fixed_dictionaries(
    {},
    optional={
        "provider": st.sampled_from(["openai", "anthropic", "OpenAI", "google", "gemini", "", "x"]),
        "model": model_name,
        "aliases": st.one_of(st.lists(model_name, max_size=2), model_name),
        "effective_date": st.one_of(
            st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
            st.sampled_from(["2024-10-02", "yesterday", "2024-02-30"]),
        ),
        "deprecated_date": st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
        "source": st.one_of(st.just("fuzz"), st.text(max_size=4)),
        "pattern": st.sampled_from(["^gpt-4o.*$", "(", "[a-", "gpt-5"]),
        "long_context_threshold": st.one_of(
            st.integers(min_value=-2, max_value=300_000), st.booleans()
        ),
        "typo": st.just("x"),
        **{key: price_value for key in PRICE_KEYS},
    },
)
# Most rows carry the required keys, so that many tables get past the first check.
full_row = st.tuples(
    row,
    st.fixed_dictionaries(
        {
            "provider": st.sampled_from(["openai", "anthropic", "gemini"]),
            "model": model_name,
            "effective_date": st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
            "source": st.just("fuzz"),
            "input": price_value,
            "output": price_value,
        }
    ),
).map(lambda pair: {**pair[1], **pair[0]})


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    # A JSON string is a valid TOML basic string.
    return json.dumps(str(value))


def _table(rows: list[dict[str, Any]], unit: str) -> str:
    lines = [f"unit = {_toml(unit)}"]
    for table in rows:
        lines += ["", "[[price]]"] + [f"{key} = {_toml(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _exact_prices(table: dict[str, Any]) -> dict[str, Decimal]:
    """The prices a row wrote, read independently: plain non-negative decimal text only."""
    found = {}
    for key in PRICE_KEYS:
        value = table.get(key)
        if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
            found[key] = Decimal(value.strip())
    return found


FIELDS = {
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


@FUZZ
@given(
    rows=st.lists(st.one_of(full_row, row), max_size=4),
    unit=st.sampled_from([UNIT, UNIT, "USD per 1K tokens"]),
)
def test_random_tables_load_exactly_or_raise_pricing_error(
    rows: list[dict[str, Any]], unit: str
) -> None:
    try:
        loaded = parse_price_table(_table(rows, unit), origin="fuzz.toml")
    except PricingError as exc:
        assert str(exc).startswith("fuzz.toml")
        return
    assert unit == UNIT
    remaining = list(loaded)
    for table in rows:
        names = [table["model"], *table.get("aliases", [])]
        written = _exact_prices(table)
        for name in names:
            price = remaining.pop(0)
            assert (price.provider, price.model_name) == (table["provider"], name)
            for key, field in FIELDS.items():
                assert getattr(price, field) == written.get(key)
    assert remaining == []


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_is_a_table_or_a_pricing_error(text: str) -> None:
    try:
        rows = parse_price_table(text, origin="fuzz.toml")
    except PricingError:
        return
    for price in rows:
        assert price.prompt_per_mtok >= 0 and price.completion_per_mtok >= 0
