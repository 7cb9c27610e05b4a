"""Property tests: any YAML file gives a configuration or one ConfigError, nothing else.

Values that load must be what the file said: no limit below zero, none made up.
"""

from __future__ import annotations

import contextlib
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.config import load_config
from tessera.errors import ConfigError

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "10",
            "-1",
            "$10.00",
            "1e3",
            "nan",
            "inf",
            "soft",
            "hard",
            "UTC",
            "Mars/Olympus",
            "~/x.db",
            "$HOME/t.jsonl",
            "refuse",
            "allow",
            "",
            "gpt-4o",
            "openai",
            "[a-",
            "yes",
        ]
    ),
    st.text(max_size=8),
)
anything = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


def _section(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    # Mostly well-formed sections with a chance of an unknown key or a wrong type.
    return st.one_of(
        st.fixed_dictionaries({}, optional=keys),
        st.fixed_dictionaries({}, optional={**keys, "typo": anything}),
        anything,
    )


custom_price = _section(
    {
        "model": scalar,
        "provider": scalar,
        "prompt_price_per_1k": scalar,
        "completion_price_per_1k": scalar,
        "cache_read_price_per_1k": scalar,
        "cache_write_price_per_1k": scalar,
        "model_pattern": st.one_of(scalar, st.sampled_from(["gpt-.*", "(", "[a-z"])),
        "effective_date": st.one_of(scalar, st.sampled_from(["2025-01-01", "2025-13-40"])),
    }
)
config = st.fixed_dictionaries(
    {},
    optional={
        "observability": _section(
            {
                "local": _section(
                    {
                        "enabled": scalar,
                        "traces_file": scalar,
                        "metrics_db": scalar,
                        "traces_max_bytes": scalar,
                        "traces_backup_count": scalar,
                    }
                ),
                "capture_content": scalar,
                "otlp": _section({"endpoint": scalar}),
            }
        ),
        "cost": _section(
            {
                "limits": _section(
                    {
                        "global": _section({"daily_usd": scalar, "enforcement": scalar}),
                        "per_task": _section({"max_usd": scalar, "enforcement": scalar}),
                        "unpriced": scalar,
                    }
                ),
                "timezone": scalar,
            }
        ),
        "pricing": _section(
            {
                "custom": st.one_of(st.lists(custom_price, max_size=3), anything),
                "genai_prices_fallback": scalar,
            }
        ),
        "typo": anything,
    },
)


def _given_amounts(data: Any) -> set[Decimal]:
    """Every number the file could have meant as a dollar amount."""
    found: set[Decimal] = set()
    if isinstance(data, dict):
        for value in data.values():
            found |= _given_amounts(value)
    elif isinstance(data, list):
        for value in data:
            found |= _given_amounts(value)
    elif isinstance(data, bool) or data is None:
        pass
    elif isinstance(data, int | float) and math.isfinite(data):
        found.add(Decimal(repr(data)))
    elif isinstance(data, str):
        with contextlib.suppress(ArithmeticError):
            found.add(Decimal(data.strip().lstrip("$")))
    return found


def _load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        return load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert str(path) in message
        return None


@FUZZ
@given(data=config)
def test_random_config_loads_or_raises_config_error(tmp_path: Path, data: dict[str, Any]) -> None:
    loaded = _load(tmp_path, yaml.safe_dump(data))
    if loaded is None:
        return
    amounts = _given_amounts(data)
    limits = loaded.cost.limits
    for value in (limits.global_.daily_usd, limits.per_task.max_usd):
        assert value is None or (value.is_finite() and value >= 0 and value in amounts)
    for price in loaded.pricing.custom:
        for value in (
            price.prompt_price_per_1k,
            price.completion_price_per_1k,
            price.cache_read_price_per_1k,
            price.cache_write_price_per_1k,
        ):
            assert value is None or (value.is_finite() and value >= 0 and value in amounts)


@FUZZ
@given(
    text=st.one_of(st.text(max_size=80), st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
)
def test_any_text_loads_or_raises_config_error(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text)
