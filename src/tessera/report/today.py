"""Today's spend, running tasks and limits: what ``tessera watch`` shows.

"Today" is the calendar day in the configured zone (``cost.timezone``, else
the machine's), the same day the daily limit counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from tessera.config import TesseraConfig
from tessera.store import CostGroup, MetricsStore

#: At most this many running tasks are listed (newest first).
MAX_RUNNING = 20


@dataclass(frozen=True, slots=True)
class RunningTask:
    """A task whose status is still ``running``, with what its current phase spent."""

    task_id: str
    agent_name: str | None
    phase: str | None
    started_at: datetime | None
    spent_usd: Decimal


@dataclass(frozen=True, slots=True)
class Limit:
    """A configured cap: ``cost.limits.global.daily_usd`` or ``per_task.max_usd``."""

    name: str
    cap_usd: Decimal
    enforcement: str


@dataclass(frozen=True, slots=True)
class TodaySnapshot:
    """One frame of ``tessera watch``."""

    day: date
    taken_at: datetime
    agents: list[CostGroup]
    models: list[CostGroup]
    spent_usd: Decimal
    calls: int
    unpriced_calls: int
    running: list[RunningTask]
    daily_limit: Limit | None
    task_limit: Limit | None


def day_bounds(now: datetime, zone: tzinfo | None) -> tuple[date, datetime, datetime]:
    """The calendar day of ``now`` in ``zone`` (None: the machine's) and its UTC start and end.

    Midnights are computed in the zone itself, so a day with a DST change is
    23 or 25 hours long.
    """
    day = now.astimezone(zone).date()
    bounds = []
    for d in (day, day + timedelta(days=1)):
        midnight = datetime.combine(d, time())
        # A naive local time's astimezone() reads it in the machine's zone.
        local = midnight.replace(tzinfo=zone) if zone is not None else midnight.astimezone()
        bounds.append(local.astimezone(UTC))
    return day, bounds[0], bounds[1]


def limits_of(config: TesseraConfig) -> tuple[Limit | None, Limit | None]:
    """The daily and per-task limits the configuration sets (None when unset)."""
    daily = config.cost.limits.global_
    task = config.cost.limits.per_task
    return (
        Limit("daily", daily.daily_usd, daily.enforcement) if daily.daily_usd is not None else None,
        Limit("per task", task.max_usd, task.enforcement) if task.max_usd is not None else None,
    )


def snapshot(
    store: MetricsStore,
    config: TesseraConfig,
    zone: tzinfo | None,
    now: datetime | None = None,
) -> TodaySnapshot:
    """Read today's figures from ``store``."""
    taken = now if now is not None else datetime.now(UTC)
    day, start, end = day_bounds(taken, zone)
    agents = store.cost_by("agent", start, end)
    running = [
        RunningTask(
            task.task_id,
            task.agent_name,
            task.phase,
            task.started_at,
            # The task row's totals are written when a phase ends; a running
            # phase's spend is summed from its calls.
            store.task_spend(task.task_id, since=task.started_at),
        )
        for task in store.tasks(status="running", limit=MAX_RUNNING)
    ]
    daily, per_task = limits_of(config)
    return TodaySnapshot(
        day=day,
        taken_at=taken,
        agents=agents,
        models=store.cost_by("model", start, end),
        spent_usd=sum((a.cost_usd for a in agents), Decimal(0)),
        calls=sum(a.calls for a in agents),
        unpriced_calls=sum(a.unpriced_calls for a in agents),
        running=running,
        daily_limit=daily,
        task_limit=per_task,
    )
