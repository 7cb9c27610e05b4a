"""``tessera report --html FILE``: one self-contained HTML page.

Styles are inline and charts are SVG drawn in Python: the page runs no script
and fetches nothing, so it can be mailed, archived or opened offline. Every
string that came from the user's data goes through :func:`html.escape`.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from html import escape
from pathlib import Path

import click

from tessera import __version__
from tessera.cli._common import known_cost
from tessera.config import load_config
from tessera.report.data import ReportData, collect
from tessera.report.svg import (
    TOKEN_KINDS,
    daily_cost_chart,
    horizontal_bars,
    token_kinds_bar,
    usd,
)
from tessera.store import CostGroup, MetricsStore

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 800px;
       color: #1d2330; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; }
p.meta, .note { color: #5b6475; margin: 4px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e3e6ec; text-align: left; }
th { font-weight: 600; background: #f5f6f9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.failed td { color: #a12a2a; }
svg { display: block; margin: 8px 0; width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #444b5a; }
.grid { stroke: #e3e6ec; } .bar { fill: #3b6fd8; } .hbar { fill: #2f9e77; }
.k-uncached { fill: #3b6fd8; } .k-read { fill: #7fb3f5; } .k-write { fill: #f0a33a; }
.k-reasoning { fill: #9b59b6; } .k-output { fill: #2f9e77; }
span.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
"""

SWATCH_COLORS = {
    "k-uncached": "#3b6fd8",
    "k-read": "#7fb3f5",
    "k-write": "#f0a33a",
    "k-reasoning": "#9b59b6",
    "k-output": "#2f9e77",
}


def configured_zone() -> str | None:
    """``cost.timezone`` from the configuration; None means the machine's zone.

    The name, not a fixed offset, is handed on, so days across a DST change
    are still cut at local midnight.
    """
    return load_config().cost.timezone


def write_html_report(
    store: MetricsStore,
    path: Path,
    tz: str | tzinfo | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReportData:
    """Write the report of ``store`` to ``path`` (UTF-8) and return the numbers it shows.

    Raises:
        click.ClickException: The file cannot be written (a one-line CLI error).
    """
    data = collect(store, tz, since, until)
    try:
        path.write_text(render_html(data), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
    return data


def render_html(data: ReportData) -> str:
    """The whole page for ``data``."""
    when = data.generated_at.strftime("%Y-%m-%d %H:%M")
    unknown = (
        f", {data.unpriced_calls} with unknown cost (left out of the sums)"
        if data.unpriced_calls
        else ""
    )
    body = [
        "<h1>Tessera report</h1>",
        f'<p class="meta">Generated {escape(when)}, times in {escape(data.zone_name)}. '
        f"{data.total_calls} model calls, {usd(data.total_cost_usd)} known cost{unknown}.</p>",
        _agents(data),
        _daily(data),
        _models(data),
        _tokens(data),
        _slowest(data),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="tessera {escape(__version__)}">'
        f"<title>Tessera report {escape(when)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _table(table_id: str, headers: list[tuple[str, bool]], rows: list[str]) -> str:
    head = "".join(f'<th class="num">{h}</th>' if num else f"<th>{h}</th>" for h, num in headers)
    if not rows:
        rows = [f'<tr><td colspan="{len(headers)}">nothing recorded</td></tr>']
    body = "".join(rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cells(values: list[tuple[str, bool]], cls: str = "") -> str:
    tds = "".join(f'<td class="num">{v}</td>' if num else f"<td>{v}</td>" for v, num in values)
    attr = f' class="{cls}"' if cls else ""
    return f"<tr{attr}>{tds}</tr>"


def _agents(data: ReportData) -> str:
    headers = [
        ("agent", False),
        ("tasks", True),
        ("successes", True),
        ("success rate", True),
        ("avg duration", True),
        ("cost", True),
        ("calls with unknown cost", True),
    ]
    rows = []
    for a in data.agents:
        avg = "—" if a.avg_duration_seconds is None else f"{a.avg_duration_seconds:.2f}s"
        rows.append(
            _cells(
                [
                    (escape(a.agent_name or "(none)"), False),
                    (str(a.tasks), True),
                    (str(a.successes), True),
                    (f"{a.success_rate:.1%}", True),
                    (avg, True),
                    (usd(a.total_cost_usd), True),
                    (str(a.unpriced_calls), True),
                ]
            )
        )
    return "<h2>Agents</h2>" + _table("agents", headers, rows)


def _daily(data: ReportData) -> str:
    if not data.days:
        return '<h2>Cost per day</h2><p class="note">No model calls recorded.</p>'
    note = ""
    if data.days_left_out:
        note = f'<p class="note">The {data.days_left_out} earliest days are not shown.</p>'
    return "<h2>Cost per day</h2>" + daily_cost_chart(data.days) + note


def _models(data: ReportData) -> str:
    bars = [(m.key or "(unknown)", m.cost_usd, _cost(m)) for m in data.models]
    chart = horizontal_bars(bars, "Cost by model") if bars else ""
    headers = [("model", False), ("calls", True), ("tokens in", True), ("tokens out", True)]
    headers += [("cost", True), ("share", True), ("unknown cost", True)]
    rows = []
    for m in data.models:
        share = m.cost_usd / data.total_cost_usd if data.total_cost_usd else Decimal(0)
        rows.append(
            _cells(
                [
                    (escape(m.key or "(unknown)"), False),
                    (str(m.calls), True),
                    (f"{m.input_tokens:,}", True),
                    (f"{m.output_tokens:,}", True),
                    (_cost(m), True),
                    (f"{share:.1%}", True),
                    (str(m.unpriced_calls), True),
                ]
            )
        )
    return "<h2>Cost by model</h2>" + chart + _table("models", headers, rows)


def _cost(group: CostGroup) -> str:
    return _known(group.cost_usd, group.calls, group.unpriced_calls)


def _known(cost: Decimal, calls: int, unpriced: int) -> str:
    # A group none of whose calls has a known cost shows "unknown", never $0.
    known = known_cost(cost, calls, unpriced)
    return "unknown" if known is None else usd(known)


def _tokens(data: ReportData) -> str:
    t = data.tokens
    counts = (t.uncached_input, t.cache_read, t.cache_write, t.reasoning, t.other_output)
    rows = []
    for (name, cls), n in zip(TOKEN_KINDS, counts, strict=True):
        swatch = f'<span class="swatch" style="background:{SWATCH_COLORS[cls]}"></span>'
        share = f"{n / t.total:.1%}" if t.total else "—"
        rows.append(_cells([(swatch + name, False), (f"{n:,}", True), (share, True)]))
    table = _table("tokens", [("kind", False), ("tokens", True), ("share", True)], rows)
    return "<h2>Tokens by kind</h2>" + token_kinds_bar(t) + table


def _slowest(data: ReportData) -> str:
    headers = [("task", False), ("agent", False), ("phase", False), ("status", False)]
    headers += [("duration", True), ("cost", True), ("finished", True)]
    rows = []
    for s in data.slowest:
        finished = "—"
        if s.finished_at is not None:
            finished = s.finished_at.astimezone(data.zone).strftime("%m-%d %H:%M")
        task = escape(s.task_id or "")
        if s.description:
            task += f'<br><span class="note">{escape(s.description)}</span>'
        rows.append(
            _cells(
                [
                    (task, False),
                    (escape(s.agent_name or ""), False),
                    (escape(s.phase or ""), False),
                    ("ok" if s.success else "failed", False),
                    (f"{s.duration_seconds:.2f}s", True),
                    (_known(s.cost_usd, s.calls, s.unpriced_calls), True),
                    (finished, True),
                ],
                "" if s.success else "failed",
            )
        )
    return "<h2>Slowest tasks</h2>" + _table("slowest", headers, rows)
