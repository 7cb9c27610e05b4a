"""The day a daily limit counts: the configured zone's calendar day, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo


def day_window(now: datetime, zone: tzinfo | None) -> tuple[datetime, datetime, str]:
    """The local calendar day holding ``now``, as a UTC ``[start, end)`` and its date.

    ``zone`` None means the machine's local zone. Local midnights are found
    with the zone's rules for each date, so a day when clocks change is 23 or
    25 hours long, as it is on the wall.
    """
    local = now.astimezone(zone) if zone is not None else now.astimezone()
    today = local.date()
    start = _midnight(today, zone)
    end = _midnight(today + timedelta(days=1), zone)
    return start, end, today.isoformat()


def _midnight(day: object, zone: tzinfo | None) -> datetime:
    naive = datetime.combine(day, time())  # type: ignore[arg-type]
    local = naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()
    return local.astimezone(UTC)
