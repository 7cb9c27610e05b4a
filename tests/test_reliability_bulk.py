"""Bulk import writes exactly the rows ``record_call`` writes, one transaction per batch."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.errors import StoreError
from tessera.records import CallRecord
from tessera.store import MetricsStore
from tessera.store.bulk import record_calls
from tessera.usage import Usage

PARIS = timezone(timedelta(hours=1))


def _records() -> list[CallRecord]:
    priced = Usage("openai", "gpt-4o", 1000, 100, 1100, reported=True, raw={"prompt_tokens": 1000})
    unreported = Usage.not_reported("anthropic", "claude-sonnet-4", "no usage block")
    return [
        CallRecord(
            call_id="c1",
            operation_id="op1",
            provider="openai",
            started_at=datetime(2026, 5, 1, 12, 0, 0, 123999, tzinfo=UTC),
            ended_at=datetime(2026, 5, 1, 12, 0, 1, 999999, tzinfo=UTC),
            usage=priced,
            cost_status="priced",
            cost_usd=Decimal("0.0035"),
            task_id="t1",
            agent_name="planner",
            extras={"retry": True},
        ),
        CallRecord(
            call_id="c2",
            operation_id="op2",
            provider="anthropic",
            # Not UTC: converted, as record_call does.
            started_at=datetime(2026, 5, 1, 13, 0, 0, 500, tzinfo=PARIS),
            ended_at=datetime(2026, 5, 1, 13, 0, 2, tzinfo=PARIS),
            usage=unreported,
            cost_status="no_usage",
            status="error",
            error_type="APIError",
        ),
        CallRecord(
            call_id="c3",
            operation_id="op3",
            provider="openai",
            # A naive time is UTC.
            started_at=datetime(2026, 5, 2, 0, 0, 0),
            ended_at=datetime(2026, 5, 2, 0, 0, 1),
            usage=priced,
            cost_status="priced",
            # Not representable in binary: the REAL column must match record_call's.
            cost_usd=Decimal("0.000000000001") * 3,
        ),
    ]


def _rows(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT * FROM llm_calls ORDER BY call_id").fetchall()


def test_bulk_rows_equal_record_call_rows(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "one.db") as one, MetricsStore(tmp_path / "bulk.db") as bulk:
        for record in _records():
            one.record_call(record)
        assert record_calls(bulk, _records(), batch_size=2) == 3
        # $0.0035 + $0.000000000003 = $0.003500000003
        assert bulk.spend() == Decimal("0.003500000003")
    assert _rows(tmp_path / "bulk.db") == _rows(tmp_path / "one.db")
    assert len(_rows(tmp_path / "bulk.db")) == 3


def test_a_failing_batch_leaves_earlier_batches_committed(tmp_path: Path) -> None:
    records = _records()
    # The third record repeats the first call id: the second batch fails whole.
    repeated = [*records[:2], records[0], records[2]]
    with MetricsStore(tmp_path / "m.db") as store:
        with pytest.raises(StoreError, match="UNIQUE"):
            record_calls(store, repeated, batch_size=2)
        assert {c.call_id for c in store.calls()} == {"c1", "c2"}
        assert store.integrity_check() == []


def test_contradictory_cost_is_refused_before_writing(tmp_path: Path) -> None:
    bad = CallRecord(
        call_id="x",
        operation_id="x",
        provider="openai",
        started_at=datetime(2026, 5, 1, tzinfo=UTC),
        ended_at=datetime(2026, 5, 1, tzinfo=UTC),
        usage=Usage("openai", "gpt-4o", 1, 1, 2, reported=True),
        cost_status="priced",
    )
    with MetricsStore(tmp_path / "m.db") as store:
        with pytest.raises(ValueError, match="needs a cost_usd"):
            record_calls(store, [*_records(), bad])
        assert store.totals().calls == 0
        with pytest.raises(ValueError, match="batch_size"):
            record_calls(store, [], batch_size=0)


def test_store_method_imports_in_batches(tmp_path: Path) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from tessera.records import CallRecord
    from tessera.store import MetricsStore
    from tessera.usage import Usage

    usage = Usage(
        provider="openai",
        model="gpt-4o",
        input_tokens=10,
        output_tokens=5,
        total_tokens=15,
        reported=True,
    )
    now = datetime.now(UTC)
    records = (
        CallRecord(
            call_id=f"c{i}",
            operation_id=f"c{i}",
            provider="openai",
            started_at=now,
            ended_at=now,
            usage=usage,
            cost_status="priced",
            cost_usd=Decimal("0.0001"),
        )
        for i in range(25)
    )
    with MetricsStore(tmp_path / "m.db") as store:
        # 25 calls in batches of 10: three transactions, every call written.
        assert store.record_calls(records, batch_size=10) == 25
        totals = store.totals()
    assert totals.calls == 25 and totals.cost_usd == Decimal("0.0025")  # 25 × $0.0001
