"""Everything the HTML report shows, gathered from the store in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from tessera.store import AgentSummary, CostGroup, MetricsStore
from tessera.store.queries import resolve_zone
from tessera.store.report_queries import SlowTask, slowest_tasks

#: The daily chart shows at most this many days (the most recent ones).
MAX_DAYS = 92

#: The slowest-tasks table lists this many task phases.
SLOWEST = 10


@dataclass(frozen=True, slots=True)
class DayCost:
    """One bar of the daily chart; days without calls are present with zero."""

    day: date
    calls: int
    cost_usd: Decimal
    unpriced_calls: int


@dataclass(frozen=True, slots=True)
class TokenKinds:
    """Token sums over the calls, split into kinds that do not overlap.

    ``input_tokens`` counts uncached + cache read + cache write, and
    ``output_tokens`` counts reasoning + the rest (DESIGN §4), so the five
    kinds here add up to input + output.
    """

    uncached_input: int
    cache_read: int
    cache_write: int
    reasoning: int
    other_output: int

    @property
    def total(self) -> int:
        """All five kinds together."""
        return (
            self.uncached_input
            + self.cache_read
            + self.cache_write
            + self.reasoning
            + self.other_output
        )


@dataclass(frozen=True, slots=True)
class ReportData:
    """The numbers of one HTML report."""

    generated_at: datetime
    zone: tzinfo | None
    zone_name: str
    agents: list[AgentSummary]
    days: list[DayCost]
    days_left_out: int
    models: list[CostGroup]
    tokens: TokenKinds
    slowest: list[SlowTask]
    total_cost_usd: Decimal
    total_calls: int
    unpriced_calls: int


def collect(
    store: MetricsStore,
    tz: str | tzinfo | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> ReportData:
    """Read the report's numbers from ``store``; days are calendar days in ``tz``.

    Args:
        store: The metrics store.
        tz: IANA zone name or tzinfo for day boundaries; ``None`` is the machine's zone.
        since: Only calls and task phases at or after this moment.
        until: Only calls and task phases before this moment.
        now: The report's timestamp (default: the current time).
    """
    zone = resolve_zone(tz)
    moment = (now or datetime.now(UTC)).astimezone(zone)
    models = store.cost_by("model", since, until)
    days, left_out = _fill_days(store.cost_by("day", since, until, zone))
    return ReportData(
        generated_at=moment,
        zone=zone,
        zone_name=_zone_name(moment),
        agents=store.agent_summary(since, until),
        days=days,
        days_left_out=left_out,
        models=models,
        tokens=token_kinds(models),
        slowest=slowest_tasks(store, SLOWEST, since, until),
        total_cost_usd=sum((m.cost_usd for m in models), Decimal(0)),
        total_calls=sum(m.calls for m in models),
        unpriced_calls=sum(m.unpriced_calls for m in models),
    )


def token_kinds(groups: list[CostGroup]) -> TokenKinds:
    """Split the summed token counts of ``groups`` into non-overlapping kinds."""
    inputs = sum(g.input_tokens for g in groups)
    outputs = sum(g.output_tokens for g in groups)
    read = sum(g.cache_read_tokens for g in groups)
    write = sum(g.cache_write_tokens for g in groups)
    reasoning = sum(g.reasoning_tokens for g in groups)
    # A call that reported cache or reasoning counts but no input or output
    # total would make a difference negative; show it as zero rather than
    # drawing a negative bar.
    return TokenKinds(
        uncached_input=max(0, inputs - read - write),
        cache_read=read,
        cache_write=write,
        reasoning=reasoning,
        other_output=max(0, outputs - reasoning),
    )


def _fill_days(groups: list[CostGroup]) -> tuple[list[DayCost], int]:
    """Every day from the first to the last with calls; returns (days, days left out)."""
    found = {date.fromisoformat(g.key): g for g in groups if g.key is not None}
    if not found:
        return [], 0
    first, last = min(found), max(found)
    span = (last - first).days + 1
    start = max(first, last - timedelta(days=MAX_DAYS - 1))
    days = []
    for offset in range((last - start).days + 1):
        day = start + timedelta(days=offset)
        group = found.get(day)
        if group is None:
            days.append(DayCost(day, 0, Decimal(0), 0))
        else:
            days.append(DayCost(day, group.calls, group.cost_usd, group.unpriced_calls))
    return days, span - len(days)


def _zone_name(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    offset = moment.strftime("%z")
    if isinstance(key, str):
        return f"{key} (UTC{offset[:3]}:{offset[3:]})"
    return f"UTC{offset[:3]}:{offset[3:]}"
