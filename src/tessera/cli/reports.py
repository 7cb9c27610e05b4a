"""``tessera report``, ``costs`` and ``tasks``: read-only views of the metrics store."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from tessera.capture import COPILOT_QUOTA
from tessera.cli._common import (
    console,
    count,
    db_option,
    json_option,
    known_cost,
    open_store,
    table,
    usd,
)
from tessera.cli._options import (
    csv_option,
    display_zone,
    local_time,
    print_machine,
    range_options,
    resolve_range,
)
from tessera.store.results import AgentSummary, CostGroup

GROUPS = ("day", "agent", "model", "task", "provider")

UNKNOWN_NOTE = "no price: calls whose cost is unknown; the costs shown leave them out."


def print_agent_report(rows: list[AgentSummary]) -> None:
    """The seed's agent performance report as a table."""
    unknown = any(row.unpriced_calls for row in rows)
    columns = [
        ("agent", "left"),
        ("tasks", "right"),
        ("ok", "right"),
        ("success", "right"),
        ("avg time", "right"),
        ("cost", "right"),
    ]
    out = table("Agent performance", columns + ([("no price", "right")] if unknown else []))
    for row in rows:
        avg = "—" if row.avg_duration_seconds is None else f"{row.avg_duration_seconds:.2f}s"
        cells = [
            row.agent_name or "(none)",
            str(row.tasks),
            str(row.successes),
            f"{row.success_rate:.0%}",
            avg,
            usd(row.total_cost_usd),
        ]
        out.add_row(*cells, *([str(row.unpriced_calls or "")] if unknown else []))
    console().print(out)
    if unknown:
        console().print(UNKNOWN_NOTE, style="dim")


def print_cost_groups(rows: list[CostGroup], group: str) -> None:
    """Cost grouped by ``group`` as a table, with a total line."""
    unknown = any(row.unpriced_calls for row in rows)
    columns = [
        (group, "left"),
        ("calls", "right"),
        ("input", "right"),
        ("output", "right"),
        ("cost", "right"),
    ]
    out = table(f"Cost by {group}", columns + ([("no price", "right")] if unknown else []))
    for row in rows:
        cells = [
            row.key or "(none)",
            str(row.calls),
            count(row.input_tokens),
            count(row.output_tokens),
            usd(known_cost(row.cost_usd, row.calls, row.unpriced_calls)),
        ]
        out.add_row(*cells, *([str(row.unpriced_calls or "")] if unknown else []))
    out.add_section()
    total = sum((row.cost_usd for row in rows), Decimal(0))
    cells = [
        "total",
        str(sum(r.calls for r in rows)),
        count(sum(r.input_tokens for r in rows)),
        count(sum(r.output_tokens for r in rows)),
        usd(total),
    ]
    out.add_row(
        *cells, *([str(sum(r.unpriced_calls for r in rows))] if unknown else []), style="bold"
    )
    console().print(out)
    if unknown:
        console().print(UNKNOWN_NOTE, style="dim")


@click.command()
@range_options
@db_option
@json_option
@csv_option
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write a self-contained HTML report (tables and charts) to this file.",
)
def report(
    since: str | None,
    until: str | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
    html_file: Path | None,
) -> None:
    """Agent performance: tasks, successes, success rate, average duration, cost."""
    from tessera.cli.html_report import configured_zone, write_html_report

    start, end = resolve_range(since, until, display_zone())
    with open_store(db) as store:
        rows = store.agent_summary(since=start, until=end)
        if html_file is not None:
            write_html_report(store, html_file, configured_zone(), start, end)
            click.echo(f"wrote HTML report to {html_file}", err=True)
    if not print_machine(rows, as_json, as_csv):
        print_agent_report(rows)


@click.command()
@click.option(
    "--by",
    "group",
    type=click.Choice(GROUPS),
    default="day",
    show_default=True,
    help="How to group the calls.",
)
@range_options
@db_option
@json_option
@csv_option
def costs(
    group: str,
    since: str | None,
    until: str | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Cost of the recorded model calls, grouped by day, agent, model, task or provider.

    Days are calendar days in the configured zone (cost.timezone), else the
    machine's.
    """
    zone = display_zone()
    start, end = resolve_range(since, until, zone)
    with open_store(db) as store:
        rows = store.cost_by(group, since=start, until=end, tz=zone)
    if not print_machine(rows, as_json, as_csv):
        print_cost_groups(rows, group)


@click.command()
@click.option(
    "--status",
    type=click.Choice(["running", "completed", "failed"]),
    default=None,
    help="Only tasks whose latest phase ended this way (or is still running).",
)
@click.option("--agent", default=None, help="Only this agent's tasks.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@range_options
@db_option
@json_option
@csv_option
def tasks(
    status: str | None,
    agent: str | None,
    limit: int,
    since: str | None,
    until: str | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Tasks, newest first, with their status, calls and cost."""
    start, end = resolve_range(since, until, display_zone())
    with open_store(db) as store:
        rows = store.tasks(status=status, agent=agent, limit=limit, since=start, until=end)
    if print_machine(rows, as_json, as_csv):
        return
    out = table(
        "Tasks",
        [
            ("task", "left"),
            ("agent", "left"),
            ("phase", "left"),
            ("status", "left"),
            ("calls", "right"),
            ("cost", "right"),
        ],
    )
    for row in rows:
        style = "red" if row.status == "failed" else None
        cost = (
            row.cost_usd
            if row.cost_usd is None
            else known_cost(row.cost_usd, row.calls or 0, row.unpriced_calls or 0)
        )
        out.add_row(
            row.task_id,
            row.agent_name or "",
            row.phase or "",
            row.status or "",
            str(row.calls or 0),
            usd(cost),
            style=style,
        )
    console().print(out)


@click.command()
@click.option("--task", "task_id", default=None, help="Only this task's calls.")
@click.option("--agent", default=None, help="Only this agent's calls.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@range_options
@db_option
@json_option
@csv_option
def calls(
    task_id: str | None,
    agent: str | None,
    limit: int,
    since: str | None,
    until: str | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Model calls, newest first: tokens, cost, and whether usage was reported.

    An "attempt" column appears when a call was retried, and a "Copilot quota
    left" column when calls carried GitHub Copilot quota headers; --json has
    every field, operation_id, attempt and extras (with
    usage_extras.copilot_quota) included.
    """
    zone = display_zone()
    start, end = resolve_range(since, until, zone)
    with open_store(db) as store:
        rows = store.calls(task_id=task_id, agent=agent, since=start, until=end, limit=limit)
    if print_machine(rows, as_json, as_csv):
        return
    quotas = [copilot_quota_cell(row.extras) for row in rows]
    retried = any((row.attempt or 1) > 1 for row in rows)
    columns = [
        ("time", "fixed"),
        ("agent", "left"),
        ("model", "left"),
        ("in", "right"),
        ("out", "right"),
        ("cost", "right"),
    ]
    # Optional columns appear only when some call has something to put there.
    columns += [("attempt", "right")] if retried else []
    columns += [("Copilot quota left", "left")] if any(quotas) else []
    out = table("Model calls", columns)
    for row, quota in zip(rows, quotas, strict=True):
        if row.status == "error":
            cost = "failed"  # the error type is in --json and --csv: a figure column stays narrow
        elif row.cost_status == "unpriced":
            cost = "no price"
        elif not row.usage_reported:
            cost = "no usage"
        else:
            cost = usd(row.cost_usd)
        out.add_row(
            local_time(row.started_at, zone)[5:],
            row.agent_name or "",
            row.response_model or row.request_model or "",
            count(row.input_tokens),
            count(row.output_tokens),
            cost,
            *([str(row.attempt or 1)] if retried else []),
            *([quota] if any(quotas) else []),
        )
    console().print(out)


def copilot_quota_cell(extras: Mapping[str, Any]) -> str:
    """GitHub Copilot quota remaining after a call, compactly: ``premium_interactions 82.5%``.

    Limited quotas come first, the least remaining first; unlimited ones show
    as ``unlimited``. Empty when the call carried no quota headers.
    """
    usage_extras = extras.get("usage_extras")
    quota = usage_extras.get(COPILOT_QUOTA) if isinstance(usage_extras, Mapping) else None
    if not isinstance(quota, Mapping):
        return ""
    limited: list[tuple[float, str]] = []
    unlimited: list[str] = []
    for name, state in quota.items():
        if not isinstance(state, Mapping):
            continue
        if state.get("unlimited"):
            unlimited.append(f"{name} unlimited")
            continue
        left = state.get("percent_remaining")
        if isinstance(left, int | float) and not isinstance(left, bool):
            limited.append((float(left), f"{name} {left:g}%"))
    return ", ".join([text for _, text in sorted(limited)] + unlimited)
