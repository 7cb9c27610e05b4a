"""Plain-text history of a quality monitor: a table and a small bar chart, ASCII only."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tessera.workflow import _format as fmt
from tessera.workflow._iteration import QualityInputError, QualityIteration

#: Narrowest chart that still leaves room for a readable bar.
MIN_WIDTH = 30

_HEADERS = ("iteration", "coverage", "quality", "tasks", "cost")
_COVERAGE_BAR = "#"
_QUALITY_BAR = "="
_EMPTY = "."
_KIND_WIDTH = len("coverage")
_VALUE_WIDTH = 6  # "100.0" and "0.8465" both fit


def render_history(iterations: Sequence[QualityIteration], *, width: int = 60) -> str:
    """Render iterations as a table and a bar chart of coverage and quality.

    The table lists iteration, coverage, quality, tasks and cost (``-`` when not
    known) with a total row. The chart has two bars per iteration, each
    ``width`` characters wide in all: coverage on a 0-100 scale drawn with
    ``#`` and quality on a 0-1 scale drawn with ``=``, both over ``.``. Only
    ASCII is used, so any terminal and log file shows it.

    Args:
        iterations: The history, e.g. ``QualityMonitor.iterations``, oldest first.
        width: Width of each chart line, at least :data:`MIN_WIDTH`; the default
            60 fits an 80-column terminal.

    Returns:
        The text, lines joined with ``\\n``, no trailing newline.

    Raises:
        QualityInputError: ``width`` is below :data:`MIN_WIDTH`.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < MIN_WIDTH:
        raise QualityInputError(f"width must be an integer of at least {MIN_WIDTH}, got {width!r}")
    if not iterations:
        return "no quality iterations recorded"
    return "\n".join([*_table(iterations), "", *_chart(iterations, width)])


def _table(iterations: Sequence[QualityIteration]) -> list[str]:
    rows = [
        (
            str(it.iteration),
            fmt.coverage(it.coverage),
            fmt.quality(it.quality_score),
            str(it.tasks_completed),
            "-" if it.cost_usd is None else fmt.usd(it.cost_usd),
        )
        for it in iterations
    ]
    costs = [it.cost_usd for it in iterations if it.cost_usd is not None]
    total_cost = fmt.usd(sum(costs, Decimal(0))) if costs else "-"
    tasks = sum(it.tasks_completed for it in iterations)
    rows.append(("total", "", "", str(tasks), total_cost))
    widths = [max(len(cell) for cell in column) for column in zip(_HEADERS, *rows, strict=True)]
    return [
        "  ".join(cell.rjust(size) for cell, size in zip(row, widths, strict=True))
        for row in (_HEADERS, *rows)
    ]


def _bar(fraction: float, cells: int, mark: str) -> str:
    filled = int(min(max(fraction, 0.0), 1.0) * cells + 0.5)
    return mark * filled + _EMPTY * (cells - filled)


def _chart(iterations: Sequence[QualityIteration], width: int) -> list[str]:
    label_width = max(len(str(it.iteration)) for it in iterations)
    # Each line: label, space, kind, " |", bar, "| ", value.
    cells = width - (label_width + 1 + _KIND_WIDTH + 2) - (2 + _VALUE_WIDTH)
    lines = [f"coverage {_COVERAGE_BAR} (0-100) and quality {_QUALITY_BAR} (0-1) per iteration"]
    for it in iterations:
        label = str(it.iteration).rjust(label_width)
        blank = " " * label_width
        coverage_bar = _bar(it.coverage / 100, cells, _COVERAGE_BAR)
        quality_bar = _bar(it.quality_score, cells, _QUALITY_BAR)
        value = fmt.coverage(it.coverage).rjust(_VALUE_WIDTH)
        lines.append(f"{label} {'coverage':<{_KIND_WIDTH}} |{coverage_bar}| {value}")
        value = fmt.quality(it.quality_score).rjust(_VALUE_WIDTH)
        lines.append(f"{blank} {'quality':<{_KIND_WIDTH}} |{quality_bar}| {value}")
    return lines
