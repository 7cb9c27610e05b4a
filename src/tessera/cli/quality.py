"""``tessera quality``: the improvement rounds a QualityMonitor recorded, as a table and chart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from tessera.cli._common import db_option, json_option, open_store
from tessera.cli._options import csv_option, print_machine
from tessera.store.results import QualityIterationRow
from tessera.workflow import QualityIteration, render_history


@click.command()
@click.option("--run", "run_id", default=None, help="Run id (default: the latest run with rounds).")
@click.option("--monitor", default=None, help="Monitor name, when a run has several.")
@db_option
@json_option
@csv_option
def quality(
    run_id: str | None, monitor: str | None, db: Path | None, as_json: bool, as_csv: bool
) -> None:
    """Coverage, quality, tasks and cost per improvement round of one run."""
    with open_store(db) as store:
        rows = store.quality_iterations(run_id=run_id, monitor=monitor)
    if not rows:
        raise click.ClickException(
            "no quality iterations recorded" + (f" for run {run_id}" if run_id else "")
        )
    latest = max(rows, key=lambda r: r.recorded_at or datetime.min.replace(tzinfo=UTC))
    chosen = [r for r in rows if (r.run_id, r.monitor) == (latest.run_id, latest.monitor)]
    chosen.sort(key=lambda r: r.iteration)
    if print_machine(chosen, as_json, as_csv):
        return
    click.echo(f"run {latest.run_id}, monitor {latest.monitor!r}\n")
    click.echo(render_history([_iteration(r) for r in chosen]))


def _iteration(row: QualityIterationRow) -> QualityIteration:
    return QualityIteration(
        iteration=row.iteration,
        coverage=row.coverage if row.coverage is not None else 0.0,
        quality_score=row.quality_score if row.quality_score is not None else 0.0,
        tasks_completed=row.tasks_completed or 0,
        cost_usd=row.cost_usd,
        recorded_at=row.recorded_at or datetime.now(UTC),
    )
