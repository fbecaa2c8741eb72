"""The digest schedule: cron in an IANA zone, placed on the UTC line correctly across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import parse_settings
from bot.errors import ConfigError
from bot.services.schedule import (
    ScheduleError,
    fires_between,
    local_time,
    next_fire,
    previous_fire,
    validate,
)

BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_schedule_in_utc() -> None:
    # 2026-01-05 is a Monday.
    assert next_fire("0 9 * * MON", "UTC", utc(2026, 1, 5, 8)) == utc(2026, 1, 5, 9)
    assert next_fire("0 9 * * MON", "UTC", utc(2026, 1, 5, 9)) == utc(2026, 1, 12, 9)
    assert previous_fire("0 9 * * MON", "UTC", utc(2026, 1, 5, 9)) == utc(2026, 1, 5, 9)
    assert previous_fire("0 9 * * MON", "UTC", utc(2026, 1, 5, 8, 59)) == utc(2025, 12, 29, 9)


def test_local_hour_in_winter_and_summer() -> None:
    assert next_fire("0 9 * * MON", BERLIN, utc(2026, 1, 5)) == utc(2026, 1, 5, 8)
    assert next_fire("0 9 * * MON", BERLIN, utc(2026, 7, 1)) == utc(2026, 7, 6, 7)
    assert local_time(utc(2026, 7, 6, 7), BERLIN).hour == 9


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # Local midnights, so each window holds whole local days.
        (utc(2026, 3, 19, 23), utc(2026, 4, 4, 22)),  # spring forward: 2026-03-29 02:00 -> 03:00
        (utc(2026, 10, 17, 22), utc(2026, 11, 1, 23)),  # fall back: 2026-10-25 03:00 -> 02:00
    ],
)
@pytest.mark.parametrize("hour", [0, 1, 2, 3, 9, 23])
def test_daily_schedule_fires_once_a_day_across_dst(start: datetime, end: datetime, hour: int) -> None:
    fires = fires_between(f"30 {hour} * * *", BERLIN, start, end)
    days = [local_time(f, BERLIN).date() for f in fires]
    assert len(days) == len(set(days)) == (16 if start.month == 3 else 15)
    for fire in fires:
        local = local_time(fire, BERLIN)
        if hour == 2 and local.date() == datetime(2026, 3, 29).date():
            # 02:30 does not exist that night: the digest comes at 03:30, the same instant shifted.
            assert (local.hour, local.minute) == (3, 30)
        else:
            assert (local.hour, local.minute) == (hour, 30)


def test_ambiguous_hour_fires_at_first_occurrence_only() -> None:
    fires = fires_between("30 2 * * *", BERLIN, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert fires == [utc(2026, 10, 25, 0, 30)]  # 02:30 CEST; the 02:30 CET an hour later is not repeated
    assert next_fire("30 2 * * *", BERLIN, utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)
    # Asked from inside the repeated hour, the next fire is the next day's.
    assert next_fire("30 2 * * *", BERLIN, utc(2026, 10, 25, 1, 0)) == utc(2026, 10, 26, 1, 30)


def test_missing_hour_is_shifted_not_skipped() -> None:
    assert next_fire("30 2 * * *", BERLIN, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1, 30)
    assert previous_fire("30 2 * * *", BERLIN, utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 1, 30)
    assert previous_fire("30 2 * * *", BERLIN, utc(2026, 3, 29, 1, 29)) == utc(2026, 3, 28, 1, 30)


def test_half_hourly_schedule_never_repeats_an_instant_across_dst() -> None:
    for start in (utc(2026, 3, 28, 22), utc(2026, 10, 24, 22)):
        fires = fires_between("*/30 * * * *", BERLIN, start, start + timedelta(hours=6))
        assert fires == sorted(set(fires))
        gaps = {b - a for a, b in itertools.pairwise(fires)}
        # Each wall-clock time fires once: the skipped spring hour shifts onto existing instants, the
        # repeated autumn half-hours fire only the first time round.
        assert gaps <= {timedelta(minutes=30), timedelta(minutes=60), timedelta(minutes=90)}


def test_previous_and_next_agree() -> None:
    at = utc(2026, 3, 1)
    for _ in range(60):
        fire = next_fire("15 7 * * 1-5", "America/New_York", at)
        assert previous_fire("15 7 * * 1-5", "America/New_York", fire) == fire
        assert previous_fire("15 7 * * 1-5", "America/New_York", fire - timedelta(seconds=1)) < fire
        at = fire


@pytest.mark.parametrize(
    ("expression", "zone"),
    [
        ("not cron", "UTC"),
        ("0 9 * *", "UTC"),
        ("61 9 * * *", "UTC"),
        ("0 9 30 2 *", "UTC"),
        ("0 9 * * *", "Mars/Olympus"),
    ],
)
def test_validate_refuses(expression: str, zone: str) -> None:
    with pytest.raises(ScheduleError):
        validate(expression, zone)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        next_fire("0 9 * * *", "UTC", datetime(2026, 1, 1))


def _config(tmp_path: Path, digest: str) -> str:
    (tmp_path / "q").mkdir(exist_ok=True)
    return (
        "guild_id: 1\nroles: {working_group: 2, reviewers: 3}\n"
        "channels: {leads: 4, checklists: 5, announcements: 6, digest: 7}\n"
        f"questionnaires: q\ndatabase: db/p.db\ndigest: {digest}\n"
    )


@pytest.mark.parametrize(
    ("digest", "problem"),
    [
        ("{schedule: '0 25 * * *'}", "digest.schedule"),
        ("{schedule: 'every monday'}", "digest.schedule"),
        ("{timezone: 'Europe/Atlantis'}", "digest.timezone"),
    ],
)
def test_check_config_names_a_bad_schedule_or_zone(tmp_path: Path, digest: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(_config(tmp_path, digest), base_dir=tmp_path)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_valid_config_schedule(tmp_path: Path) -> None:
    settings = parse_settings(
        _config(tmp_path, "{schedule: '0 9 * * MON', timezone: 'Europe/Berlin'}"), base_dir=tmp_path
    )
    validate(settings.digest.schedule, settings.digest.timezone)
