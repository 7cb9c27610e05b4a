"""Column conversions: time text, picodollars, per-1k price text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from tessera.store.convert import (
    from_pusd,
    iso_utc,
    parse_time,
    price_from_text,
    price_text,
    to_pusd,
)


def test_iso_utc_converts_zones_and_takes_naive_as_utc() -> None:
    paris_summer = timezone(timedelta(hours=2))
    # 17:34:06.123999 at +02:00 is 15:34:06.123 UTC (sub-millisecond digits dropped)
    assert iso_utc(datetime(2026, 7, 3, 17, 34, 6, 123999, tzinfo=paris_summer)) == (
        "2026-07-03T15:34:06.123Z"
    )
    assert iso_utc(datetime(2026, 12, 3, 15, 34, 6)) == "2026-12-03T15:34:06.000Z"


def test_parse_time_reads_stored_text_back_as_utc() -> None:
    assert parse_time("2026-12-03T15:34:06.123Z") == datetime(
        2026, 12, 3, 15, 34, 6, 123000, tzinfo=UTC
    )
    assert parse_time(None) is None


def test_picodollars_are_exact_and_round_half_even_only_below_a_picodollar() -> None:
    # $0.1 = 10^11 picodollars; $0.000075 x 1000 tokens = $0.075 = 7.5 x 10^10
    assert to_pusd(Decimal("0.1")) == 100_000_000_000
    assert to_pusd(Decimal("0.075")) == 75_000_000_000
    # half a picodollar goes to the even neighbour: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2
    assert to_pusd(Decimal("0.0000000000005")) == 0
    assert to_pusd(Decimal("0.0000000000015")) == 2
    assert to_pusd(Decimal("0.0000000000025")) == 2
    assert from_pusd(100_001_000_000) == Decimal("0.100001")
    assert str(from_pusd(60_000_000_000)) == "0.06"


def test_price_text_is_per_1k_without_exponent() -> None:
    # per 1k = per MTok / 1000
    assert price_text(Decimal("0.075")) == "0.000075"
    assert price_text(Decimal("30")) == "0.03"
    assert price_text(Decimal("3E+4")) == "30"
    assert price_text(Decimal("0")) == "0"
    assert price_text(None) is None
    assert price_from_text("0.000075") == Decimal("0.075")
    assert str(price_from_text("30")) == "30000"
