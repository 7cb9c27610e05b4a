"""``tessera limits``: today's spend against each limit, what is left, and when it resets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from tessera.cli._common import console, db_option, json_option, open_store, table
from tessera.cli._options import csv_option, print_machine
from tessera.config import load_config
from tessera.limits import CostLimits, day_window
from tessera.limits.guard import DAILY, PER_TASK
from tessera.store.limits import Budget


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """One limit as it stands now."""

    limit: str
    enforcement: str
    cap_usd: Decimal
    spent_usd: Decimal
    reserved_usd: Decimal
    left_usd: Decimal
    scope: str
    resets_at: str | None


@click.command()
@db_option
@json_option
@csv_option
def limits(db: Path | None, as_json: bool, as_csv: bool) -> None:
    """Today's spend per limit, what is left, money reserved, and when the day resets."""
    config = load_config()
    policy = CostLimits.from_config(config)
    zone = ZoneInfo(config.cost.timezone) if config.cost.timezone else None
    now = datetime.now(UTC)
    start, end, day = day_window(now, zone)
    rows: list[LimitStatus] = []
    with open_store(db) as store:
        ledger = store.ledger()
        reserved = ledger.reserved(now)
        if policy.daily_usd is not None:
            standing = ledger.standing(Budget(DAILY, policy.daily_usd, since=start, until=end))
            rows.append(
                _status(
                    DAILY,
                    policy.daily_enforcement,
                    policy.daily_usd,
                    standing.spent_usd,
                    reserved,
                    f"day {day}",
                    end.astimezone(zone).isoformat(timespec="minutes"),
                )
            )
        if policy.per_task_usd is not None:
            for task in store.tasks(status="running", limit=20):
                standing = ledger.standing(
                    Budget(PER_TASK, policy.per_task_usd, task_id=task.task_id)
                )
                rows.append(
                    _status(
                        PER_TASK,
                        policy.per_task_enforcement,
                        policy.per_task_usd,
                        standing.spent_usd,
                        standing.reserved_usd,
                        f"task {task.task_id}",
                        None,
                    )
                )
            if not any(r.limit == PER_TASK for r in rows):
                rows.append(
                    _status(
                        PER_TASK,
                        policy.per_task_enforcement,
                        policy.per_task_usd,
                        Decimal(0),
                        Decimal(0),
                        "each task (none running)",
                        None,
                    )
                )
    if not policy.any and not as_json:
        with open_store(db) as store:
            spent = store.spend(start, end)
        click.echo(
            f"today ({day}): ${spent:.6f} spent; no limits configured (set "
            "cost.limits.global.daily_usd or cost.limits.per_task.max_usd)"
        )
        return
    if print_machine(rows, as_json, as_csv):
        return
    out = table(
        f"Limits — resets {end.astimezone(zone):%Y-%m-%d %H:%M %Z}",
        [
            ("limit", "left"),
            ("scope", "left"),
            ("cap", "right"),
            ("spent", "right"),
            ("reserved", "right"),
            ("left", "right"),
        ],
    )
    for row in rows:
        name = f"{row.limit.rsplit('.', 2)[-2]} ({row.enforcement})"
        style = "red" if row.left_usd <= 0 else None
        out.add_row(
            name,
            row.scope,
            f"${row.cap_usd:,.2f}",
            f"${row.spent_usd:.6f}",
            f"${row.reserved_usd:.6f}",
            f"${row.left_usd:.6f}",
            style=style,
        )
    console().print(out)


def _status(
    limit: str,
    enforcement: str,
    cap: Decimal,
    spent: Decimal,
    reserved: Decimal,
    scope: str,
    resets_at: str | None,
) -> LimitStatus:
    left = max(cap - spent - reserved, Decimal(0))
    return LimitStatus(limit, enforcement, cap, spent, reserved, left, scope, resets_at)
