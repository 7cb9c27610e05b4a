"""Calls, tokens and cost per local calendar day, one indexed range sum per day.

Grouping every call by its minute in SQL and folding minutes into days is exact
in any time zone but makes SQLite sort all the rows (0.7 s for a million calls).
Here each local day is the range of ``started_at`` between two local midnights,
summed through the ``started_at`` index without a sort. A day during which the
zone's UTC offset changes (a DST switch, a zone's change of rule) is still
grouped by minute, so a day whose clock went back past midnight stays exact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from tessera.store.convert import iso_utc, parse_time

_HOUR = timedelta(hours=1)


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    # astimezone(None) is the machine's local zone with the offset in force then.
    return moment.astimezone(zone)


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    """The first moment of ``day`` in ``zone``, as UTC (a missing midnight: the gap's end)."""
    local = datetime.combine(day, time(0))
    aware = local.astimezone() if zone is None else local.replace(tzinfo=zone)
    return aware.astimezone(UTC)


def _steady(start: datetime, end: datetime, zone: tzinfo | None) -> bool:
    """Whether the zone's UTC offset is the same all through ``[start, end)`` (hourly checks)."""
    offset = _local(start, zone).utcoffset()
    moment = start + _HOUR
    while moment < end:
        if _local(moment, zone).utcoffset() != offset:
            return False
        moment += _HOUR
    return _local(end - timedelta(microseconds=1), zone).utcoffset() == offset


def day_ranges(
    conn: sqlite3.Connection, where: str, params: list[Any], zone: tzinfo | None
) -> Iterator[tuple[date, str, str, bool]]:
    """Each local day holding calls: ``(day, first UTC text, end UTC text, steady)``.

    Days without calls are skipped by asking the index for the next call after a day.
    ``where`` and ``params`` restrict the calls (``started_at`` range); ``where`` is
    empty or starts with `` AND``.
    """
    cursor: str | None = conn.execute(
        f"SELECT MIN(started_at) FROM llm_calls WHERE started_at IS NOT NULL{where}", params
    ).fetchone()[0]
    while cursor is not None:
        moment = parse_time(cursor)
        assert moment is not None
        day = _local(moment, zone).date()
        start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        # A clock set back across midnight gives a moment of the previous date after
        # this one's midnight: take the range that holds it.
        while moment < start:
            day -= timedelta(days=1)
            start, end = _midnight(day, zone), start
        while moment >= end:
            day += timedelta(days=1)
            start, end = end, _midnight(day + timedelta(days=1), zone)
        end_text = iso_utc(end)
        yield day, iso_utc(start), end_text, _steady(start, end, zone)
        cursor = conn.execute(
            f"SELECT MIN(started_at) FROM llm_calls WHERE started_at >= ?{where}",
            [end_text, *params],
        ).fetchone()[0]
