"""Inline SVG charts drawn in Python: no script, no font, nothing fetched.

Every element carries a ``<title>`` (the browser's tooltip) with the exact
figure, and ``data-*`` attributes with the value, so the chart can be read by
people and checked by tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from tessera.report.data import DayCost, TokenKinds

# Inline SVG in HTML needs no namespace declaration, so the page holds no URL at all.
SVG_OPEN = (
    '<svg class="{cls}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
    'role="img" aria-label="{label}">'
)

#: Token kinds in drawing order: (label, CSS class).
TOKEN_KINDS = (
    ("uncached input", "k-uncached"),
    ("cache read", "k-read"),
    ("cache write", "k-write"),
    ("reasoning", "k-reasoning"),
    ("other output", "k-output"),
)


def usd(value: Decimal) -> str:
    """Dollars to 6 decimals."""
    return f"${value:.6f}"


def _open(cls: str, width: int, height: int, label: str) -> str:
    return SVG_OPEN.format(cls=cls, w=width, h=height, label=escape(label))


def daily_cost_chart(days: Sequence[DayCost], width: int = 760, height: int = 240) -> str:
    """Vertical bars, one per day, height proportional to the day's known cost."""
    left, right, top, bottom = 84, 12, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((d.cost_usd for d in days), default=Decimal(0))
    scale = float(peak) if peak > 0 else 1.0
    parts = [_open("chart daily", width, height, "Cost per day")]
    # Three horizontal grid lines with their dollar values.
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - fraction)
        value = peak * Decimal(str(fraction))
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{usd(value)}</text>"
        )
    slot = plot_w / max(len(days), 1)
    # A few days must not turn into slabs: bars are at most 48 units wide.
    bar_w = min(max(slot * 0.8, 1.0), 48.0)
    # Label every day when they fit, else about twelve evenly spaced ones.
    step = max(1, -(-len(days) // 12))
    for index, day in enumerate(days):
        bar_h = plot_h * float(day.cost_usd) / scale
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h - bar_h
        unknown = f", {day.unpriced_calls} with unknown cost" if day.unpriced_calls else ""
        tip = f"{day.day.isoformat()}: {usd(day.cost_usd)} ({day.calls} calls{unknown})"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
            f'data-day="{day.day.isoformat()}" data-cost-usd="{day.cost_usd}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if index % step == 0:
            cx = left + index * slot + slot / 2
            parts.append(
                f'<text class="axis" x="{cx:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{day.day.strftime("%m-%d")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(rows: Sequence[tuple[str, Decimal, str]], label: str, width: int = 760) -> str:
    """One labelled horizontal bar per row: (name, value, text shown after the bar)."""
    row_h, name_w, value_w = 24, 230, 110
    height = row_h * len(rows) + 8
    peak = max((value for _, value, _ in rows), default=Decimal(0))
    scale = float(peak) if peak > 0 else 1.0
    plot_w = width - name_w - value_w - 16
    parts = [_open("chart hbars", width, height, label)]
    for index, (name, value, shown) in enumerate(rows):
        y = 4 + index * row_h
        bar_w = plot_w * float(value) / scale
        short = name if len(name) <= 32 else name[:31] + "…"
        parts.append(
            f'<text class="label" x="{name_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(short)}</text>"
            f'<rect class="hbar" x="{name_w}" y="{y + 4}" width="{bar_w:.1f}" height="{row_h - 8}" '
            f'data-name="{escape(name)}" data-value="{value}">'
            f"<title>{escape(name)}: {escape(shown)}</title></rect>"
            f'<text class="value" x="{name_w + bar_w + 6:.1f}" y="{y + 16}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def token_kinds_bar(tokens: TokenKinds, width: int = 760, height: int = 40) -> str:
    """One bar split into the five token kinds, widths proportional to their counts."""
    counts = (
        tokens.uncached_input,
        tokens.cache_read,
        tokens.cache_write,
        tokens.reasoning,
        tokens.other_output,
    )
    total = sum(counts)
    parts = [_open("chart tokens", width, height, "Tokens by kind")]
    x = 0.0
    for (name, cls), n in zip(TOKEN_KINDS, counts, strict=True):
        seg_w = width * n / total if total else 0.0
        parts.append(
            f'<rect class="seg {cls}" x="{x:.1f}" y="4" width="{seg_w:.1f}" '
            f'height="{height - 8}" data-kind="{name}" data-tokens="{n}">'
            f"<title>{name}: {n:,} tokens</title></rect>"
        )
        x += seg_w
    parts.append("</svg>")
    return "".join(parts)
