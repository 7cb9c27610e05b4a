"""The PostgreSQL server the ``test_pg_*`` tests use, and a fresh schema per test.

The server is ``$TESSERA_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). Each test gets its own schema,
dropped afterwards, and a URL whose ``search_path`` points at it. A server
that does not answer fails the tests: they are never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tessera.records import CallRecord, RunRecord, TaskEnd, TaskStart
from tessera.store import MetricsStore
from tessera.usage import Usage

PG_URL_ENV = "TESSERA_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def server_url() -> str:
    """The test server's URL."""
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema`` (libpq's ``options`` parameter)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_schema() -> Iterator[str]:
    """Create a schema for one test, yield a URL that uses it, drop it afterwards."""
    base = server_url()
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"no PostgreSQL server answers at {base}: {exc}\n"
            f"Start one, or point the tests at one: "
            f"{PG_URL_ENV}=postgresql://USER@HOST:PORT/DATABASE .venv/bin/pytest",
            pytrace=False,
        )
    schema = f"tessera_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield with_schema(base, schema)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def call(
    call_id: str,
    cost: str | None,
    *,
    task_id: str | None = None,
    agent: str | None = None,
    at: datetime = T0,
    model: str = "gpt-4",
    tokens: tuple[int, int] = (1000, 500),
) -> CallRecord:
    """A call record of a known cost (``None``: unpriced)."""
    return CallRecord(
        call_id=call_id,
        operation_id=call_id,
        provider="openai",
        started_at=at,
        ended_at=at + timedelta(milliseconds=250),
        usage=Usage("openai", model, tokens[0], tokens[1], sum(tokens), reported=True),
        cost_status="priced" if cost is not None else "unpriced",
        cost_usd=Decimal(cost) if cost is not None else None,
        task_id=task_id,
        agent_name=agent,
        request_model=model,
    )


def record_scenario(store: MetricsStore) -> None:
    """Two agents, three phases, five calls (one unpriced, one outside any task)."""
    s = timedelta(seconds=1)
    store.start_run(RunRecord("r1", "nightly", T0))
    store.start_task(TaskStart("t1", "planner", T0, description="plan", phase="plan", run_id="r1"))
    store.record_call(call("c1", "0.06", task_id="t1", agent="planner", at=T0 + s))
    store.finish_task(TaskEnd("t1", "planner", "plan", "r1", T0, T0 + 10 * s, True))
    store.start_task(TaskStart("t2", "python-expert", T0 + 20 * s, phase="impl", run_id="r1"))
    store.record_call(call("c2", "0.03", task_id="t2", agent="python-expert", at=T0 + 21 * s))
    store.record_call(
        call("c3", None, task_id="t2", agent="python-expert", at=T0 + 22 * s, model="mystery")
    )
    store.finish_task(
        TaskEnd("t2", "python-expert", "impl", "r1", T0 + 20 * s, T0 + 30 * s, False, "boom")
    )
    store.start_task(TaskStart("t2", "python-expert", T0 + 40 * s, phase="review", run_id="r1"))
    store.record_call(call("c4", "0.015", task_id="t2", agent="python-expert", at=T0 + 41 * s))
    store.finish_task(
        TaskEnd(
            "t2", "python-expert", "review", "r1", T0 + 40 * s, T0 + 50 * s, True, quality_score=0.8
        )
    )
    store.record_call(call("c5", "0.0025", at=T0 + timedelta(days=1)))
    store.record_quality_iteration("r1", "default", 1, 60.0, 0.7, 2, Decimal("0.105"), T0 + 60 * s)
    store.finish_run("r1", T0 + 60 * s, "completed")


def everything(store: MetricsStore) -> dict[str, Any]:
    """Every query of the API, for comparing two stores."""
    return {
        "agent_summary": store.agent_summary(),
        "days_utc": store.cost_by("day", tz="UTC"),
        "days_tokyo": store.cost_by("day", tz="Asia/Tokyo"),
        **{group: store.cost_by(group) for group in ("agent", "model", "task", "provider")},
        "tasks": store.tasks(),
        "failed": store.tasks(status="failed"),
        "calls": store.calls(),
        "task_calls": store.calls("t2"),
        "unpriced": store.unpriced_models(),
        "spend": store.spend(T0, T0 + timedelta(hours=1)),
        "run_spend": store.run_spend("r1"),
        "task_spend": store.task_spend("t2"),
        "quality": store.quality_iterations(),
        "totals": store.totals(),
    }
