"""Time as a dependency: the bot asks its clock, so tests and the sandbox can move time without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def to_unix(when: datetime) -> int:
    """Whole seconds since the epoch, as the database stores times. Naive datetimes are refused: a time
    without a zone would be read as the machine's local time."""
    if when.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
    return int(when.timestamp())


def from_unix(value: int) -> datetime:
    """A stored time back as an aware datetime in UTC."""
    return datetime.fromtimestamp(value, UTC)


def next_second(when: datetime) -> datetime:
    """The start of the whole second after ``when``. Times are stored in whole seconds and periods are
    ``[start, end)``: a period that is to include everything up to ``when`` ends here."""
    return when.replace(microsecond=0) + timedelta(seconds=1)


async def sleep_until(clock: Clock, when: datetime) -> None:
    """Wait until ``clock`` reads ``when``. A :class:`ManualClock` is moved there instead, since nothing
    else would move it."""
    if isinstance(clock, ManualClock):
        if clock() < when:
            clock.set(when)
        return
    delay = (when - clock()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


def system_clock() -> datetime:
    """The real time, timezone-aware in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; used by bot/sim, tests and the sandbox."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when
