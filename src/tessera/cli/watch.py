"""``tessera watch``: today's spend per agent and model, running tasks and limits, live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from time import sleep

import click
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tessera.cli._common import console, db_option, known_cost, open_store, table, usd
from tessera.config import load_config
from tessera.errors import TesseraError
from tessera.report.today import Limit, TodaySnapshot, snapshot
from tessera.store import CostGroup, MetricsStore
from tessera.store.queries import resolve_zone


def render(snap: TodaySnapshot, zone: tzinfo | None) -> RenderableType:
    """One frame: headline, limits (when configured), agents, models, running tasks."""
    clock = snap.taken_at.astimezone(zone).strftime("%H:%M:%S %Z")
    unknown = f", {snap.unpriced_calls} of unknown cost" if snap.unpriced_calls else ""
    head = Text(f"Today {snap.day.isoformat()}: ", style="bold")
    head.append(f"{usd(snap.spent_usd)} in {snap.calls} calls{unknown}", style="bold")
    head.append(f"\nupdated {clock}", style="dim")
    parts: list[RenderableType] = [head]
    limits = _limits(snap)
    if limits is not None:
        parts.append(limits)
    parts.append(_groups("Today by agent", "agent", snap.agents))
    parts.append(_groups("Today by model", "model", snap.models))
    parts.append(_running(snap, zone))
    return Group(*parts)


def _percent(spent: Decimal, cap: Decimal) -> str:
    return f"{spent / cap:.0%}" if cap else "—"


def _limit_style(spent: Decimal, cap: Decimal) -> str | None:
    if spent >= cap:
        return "bold red"
    return "yellow" if spent >= cap * Decimal("0.8") else None


def _limits(snap: TodaySnapshot) -> Table | None:
    if snap.daily_limit is None and snap.task_limit is None:
        return None
    out = table(
        "Limits",
        [("limit", "left"), ("cap", "right"), ("spent", "right"), ("left", "right")]
        + [("used", "right"), ("mode", "left")],
    )
    rows: list[tuple[Limit, Decimal, str]] = []
    if snap.daily_limit is not None:
        rows.append((snap.daily_limit, snap.spent_usd, "daily"))
    if snap.task_limit is not None:
        # The per-task cap binds the task closest to it.
        top = max((t.spent_usd for t in snap.running), default=Decimal(0))
        rows.append((snap.task_limit, top, "per task (top running)"))
    for limit, spent, label in rows:
        left = max(limit.cap_usd - spent, Decimal(0))
        out.add_row(
            label,
            usd(limit.cap_usd),
            usd(spent),
            usd(left),
            _percent(spent, limit.cap_usd),
            limit.enforcement,
            style=_limit_style(spent, limit.cap_usd),
        )
    return out


def _groups(title: str, header: str, rows: list[CostGroup]) -> RenderableType:
    if not rows:
        return Text(f"{title}: no calls yet", style="dim")
    out = table(
        title,
        [(header, "left"), ("calls", "right"), ("in", "right"), ("out", "right")]
        + [("cost", "right")],
    )
    for row in rows:
        out.add_row(
            row.key or "(none)",
            str(row.calls),
            f"{row.input_tokens:,}",
            f"{row.output_tokens:,}",
            usd(known_cost(row.cost_usd, row.calls, row.unpriced_calls)),
        )
    return out


def _running(snap: TodaySnapshot, zone: tzinfo | None) -> RenderableType:
    if not snap.running:
        return Text("Running tasks: none", style="dim")
    cap = snap.task_limit.cap_usd if snap.task_limit is not None else None
    columns = [("task", "left"), ("agent", "left"), ("phase", "left"), ("started", "right")]
    columns += [("for", "right"), ("spent", "right")]
    out = table("Running tasks", columns + ([("of cap", "right")] if cap is not None else []))
    for task in snap.running:
        started = "—"
        elapsed = "—"
        if task.started_at is not None:
            started = task.started_at.astimezone(zone).strftime("%H:%M:%S")
            elapsed = _elapsed(snap.taken_at - task.started_at)
        cells = [task.task_id, task.agent_name or "", task.phase or "", started, elapsed]
        cells.append(usd(task.spent_usd))
        style = None
        if cap is not None:
            cells.append(_percent(task.spent_usd, cap))
            style = _limit_style(task.spent_usd, cap)
        out.add_row(*cells, style=style)
    return out


def _elapsed(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@click.command()
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="Seconds between refreshes.",
)
@click.option("--once", is_flag=True, help="Print one frame and exit (for scripts and tests).")
@db_option
def watch(interval: float, once: bool, db: Path | None) -> None:
    """Today's spend per agent and model, running tasks and limits, refreshed live.

    Stop with Ctrl-C. "Today" is the calendar day in cost.timezone (default:
    this machine's zone), the day the daily limit counts.
    """
    try:
        config = load_config()
        zone = resolve_zone(config.cost.timezone)
    except (TesseraError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    with open_store(db) as store:

        def frame() -> RenderableType:
            return render(snapshot(store, config, zone), zone)

        if once:
            console().print(frame())
            return
        _live(store, frame, interval)


def _live(store: MetricsStore, frame: Callable[[], RenderableType], interval: float) -> None:
    out = console()
    try:
        with Live(frame(), console=out, auto_refresh=False, transient=False) as live:
            while True:
                sleep(interval)
                live.update(frame(), refresh=True)
    except KeyboardInterrupt:
        # Ctrl-C is how a watch ends: leave the last frame on screen, exit 0.
        return
    finally:
        store.close()
