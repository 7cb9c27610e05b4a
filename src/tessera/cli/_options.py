"""Options shared by the listing commands: time ranges, CSV output, the display zone."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from tessera.cli._common import print_json, to_jsonable
from tessera.config import load_config

F = TypeVar("F", bound=Callable[..., Any])

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def display_zone() -> tzinfo | None:
    """The configured zone (``cost.timezone``); None means the machine's local zone.

    None rather than the local zone's current offset: a fixed offset would cut
    days an hour off across a daylight-saving change, while ``astimezone()``
    applies the local rules of each instant.
    """
    name = load_config().cost.timezone
    return ZoneInfo(name) if name else None


def parse_moment(text: str, zone: tzinfo | None, now: datetime | None = None) -> datetime:
    """A point in time from ``7d`` / ``12h`` / ``30m`` / ``2w`` ago, a date, or a datetime.

    Dates and datetimes without an offset are read in ``zone`` (a date means its
    midnight there).

    Raises:
        click.BadParameter: The text is none of those forms.
    """
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(text.strip())
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        return now - timedelta(**{unit: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time: use 7d, 12h, 30m, 2w, 2026-12-01 or 2026-12-01T09:30"
        ) from None
    if moment.tzinfo is not None:
        return moment
    # A naive local time: astimezone() reads it by the machine's rules.
    return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()


def range_options(func: F) -> F:
    """``--since`` and ``--until``: a half-open time range (since included)."""
    func = click.option(
        "--until",
        default=None,
        metavar="WHEN",
        help="Only before this time (same forms as --since).",
    )(func)
    return click.option(
        "--since",
        default=None,
        metavar="WHEN",
        help="Only from this time: 7d, 12h, 2w, 2026-12-01, 2026-12-01T09:30.",
    )(func)


def resolve_range(
    since: str | None, until: str | None, zone: tzinfo | None
) -> tuple[datetime | None, datetime | None]:
    """The parsed ``--since`` / ``--until`` values."""
    start = parse_moment(since, zone) if since else None
    end = parse_moment(until, zone) if until else None
    if start and end and start >= end:
        raise click.BadParameter("--since must be before --until")
    return start, end


def csv_option(func: F) -> F:
    """``--csv``: print rows as CSV with a header line."""
    return click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")(func)


def print_csv(rows: Sequence[Any]) -> None:
    """Print dataclass rows as CSV; nested values as JSON text, money exact."""
    plain = [to_jsonable(row) for row in rows]
    if not plain:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(plain[0].keys()), lineterminator="\n")
    writer.writeheader()
    for row in plain:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def print_machine(rows: Sequence[Any], as_json: bool, as_csv: bool) -> bool:
    """Print ``rows`` as JSON or CSV when asked; False when a table is wanted instead."""
    if as_json:
        print_json(rows)
    elif as_csv:
        print_csv(rows)
    return as_json or as_csv


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else value


def local_time(moment: datetime | None, zone: tzinfo | None) -> str:
    """A stored UTC time shown in ``zone``, to the second."""
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
