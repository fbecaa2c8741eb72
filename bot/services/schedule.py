"""When the digest fires: a five-field cron expression read as wall-clock time in an IANA zone.

Cron fields name local times, so candidates are computed on naive local datetimes (plain calendar
arithmetic, no DST surprises) and only then placed on the UTC line:

- a local time that does not exist (the spring-forward gap, 02:30 in Berlin on the last Sunday of
  March) fires once, at the same instant shifted forward by the gap (03:30 local), so nothing is skipped;
- a local time that happens twice (the autumn fall-back hour) fires once, at its first occurrence,
  so nothing is doubled.

Because that mapping is not monotonic around a transition, the next (or previous) instant is the
minimum (or maximum) over a window of candidates wide enough to cover any UTC offset change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

#: Larger than any single UTC offset change in the tz database (the largest is two hours).
_MAX_SHIFT = timedelta(hours=3)
#: Safety bound on candidates examined for one answer (a minute schedule needs about 400).
_MAX_CANDIDATES = 2000


class ScheduleError(ValueError):
    """The cron expression or time zone cannot produce fire times."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; :class:`ScheduleError` when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"{name!r} is not an IANA time zone (for example 'Europe/Berlin')") from exc


def validate(expression: str, timezone: str) -> None:
    """Raise :class:`ScheduleError` unless ``expression`` in ``timezone`` fires at least once a year or so
    (``0 9 30 2 *`` is valid syntax that never fires)."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ScheduleError(f"{expression!r} is not a five-field cron expression (for example '0 9 * * MON')")
    next_fire(expression, timezone, datetime(2026, 1, 1, tzinfo=UTC))


def _to_utc(naive_local: datetime, tz: ZoneInfo) -> datetime:
    # fold=0: an ambiguous time means its first occurrence; a missing time uses the offset from
    # before the gap, which lands it the length of the gap later on the wall clock.
    return naive_local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _local(instant: datetime, tz: ZoneInfo) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(tz).replace(tzinfo=None)


def _iterator(expression: str, start: datetime) -> croniter:
    try:
        return croniter(expression, start)
    except Exception as exc:  # croniter raises several unrelated types for bad input
        raise ScheduleError(f"{expression!r} is not a five-field cron expression: {exc}") from exc


def _step(it: croniter, forward: bool, expression: str) -> datetime:
    try:
        value = it.get_next(datetime) if forward else it.get_prev(datetime)
    except Exception as exc:
        raise ScheduleError(f"{expression!r} never fires") from exc
    assert isinstance(value, datetime)
    return value


def next_fire(expression: str, timezone: str, after: datetime) -> datetime:
    """The first fire time strictly after ``after`` (aware), as an aware UTC datetime."""
    tz = zone(timezone)
    it = _iterator(expression, _local(after, tz) - _MAX_SHIFT - timedelta(minutes=1))
    best: datetime | None = None
    bound: datetime | None = None
    for _ in range(_MAX_CANDIDATES):
        naive = _step(it, True, expression)
        if bound is not None and naive > bound:
            return best  # type: ignore[return-value]
        instant = _to_utc(naive, tz)
        if instant > after and (best is None or instant < best):
            best, bound = instant, naive + _MAX_SHIFT
    if best is None:
        raise ScheduleError(f"{expression!r} does not fire after {after.isoformat()}")
    return best


def previous_fire(expression: str, timezone: str, at: datetime) -> datetime:
    """The latest fire time at or before ``at`` (aware), as an aware UTC datetime."""
    tz = zone(timezone)
    it = _iterator(expression, _local(at, tz) + _MAX_SHIFT + timedelta(minutes=1))
    best: datetime | None = None
    bound: datetime | None = None
    for _ in range(_MAX_CANDIDATES):
        naive = _step(it, False, expression)
        if bound is not None and naive < bound:
            return best  # type: ignore[return-value]
        instant = _to_utc(naive, tz)
        if instant <= at and (best is None or instant > best):
            best, bound = instant, naive - _MAX_SHIFT
    if best is None:
        raise ScheduleError(f"{expression!r} does not fire before {at.isoformat()}")
    return best


def fires_between(expression: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in ``(start, end]``, in order (for tests and `/digest next`-style listings)."""
    found: list[datetime] = []
    current = start
    while True:
        current = next_fire(expression, timezone, current)
        if current > end:
            return found
        found.append(current)


def local_time(instant: datetime, timezone: str) -> datetime:
    """``instant`` as an aware datetime in ``timezone``."""
    return instant.astimezone(zone(timezone))
