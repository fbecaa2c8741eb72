"""The in-memory daily limit for feedback submissions, keyed by HMAC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import NotAllowed
from bot.services.ratelimit import DailyLimit

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DAVE = 412345678901234567
ERIN = 512345678901234567


def test_limit_holds_per_member_and_resets_with_the_day() -> None:
    limit = DailyLimit(3)
    for _ in range(3):
        limit.take(DAVE, now=NOON)
    with pytest.raises(NotAllowed) as err:
        limit.take(DAVE, now=NOON + timedelta(hours=11, minutes=59))
    assert err.value.key == "feedback.limit_reached"
    assert err.value.params == {"count": 3}
    # Another member is unaffected.
    limit.take(ERIN, now=NOON)
    assert limit.remaining(ERIN, now=NOON) == 2
    # A new (UTC) day starts from zero.
    tomorrow = NOON + timedelta(hours=12)
    assert limit.remaining(DAVE, now=tomorrow) == 3
    limit.take(DAVE, now=tomorrow)
    assert limit.used(DAVE, now=tomorrow) == 1


def test_refused_take_counts_nothing() -> None:
    limit = DailyLimit(1)
    limit.take(DAVE, now=NOON)
    with pytest.raises(NotAllowed):
        limit.take(DAVE, now=NOON)
    assert limit.used(DAVE, now=NOON) == 1


def test_give_back_undoes_a_take() -> None:
    limit = DailyLimit(2)
    limit.take(DAVE, now=NOON)
    limit.give_back(DAVE, now=NOON)
    assert limit.used(DAVE, now=NOON) == 0
    assert limit.tracked == 0


def test_keys_are_keyed_hashes_not_ids() -> None:
    first, second = DailyLimit(5), DailyLimit(5)
    key = first.key(DAVE)
    assert len(key) == 32
    assert str(DAVE).encode() not in key
    assert DAVE.to_bytes(8, "big") not in key and DAVE.to_bytes(8, "little") not in key
    # A fresh secret per limiter (per start): the same member maps to an unrelated key.
    assert second.key(DAVE) != key
    assert first.key(DAVE) == key
    assert first.key(ERIN) != key


def test_memory_holds_no_member_id_and_repr_hides_the_secret() -> None:
    limit = DailyLimit(5, secret=b"s" * 32)
    limit.take(DAVE, now=NOON)
    assert str(DAVE) not in repr(limit)
    assert "s" * 8 not in repr(limit)
    held = [*vars(limit).values()]
    assert DAVE not in held
    assert all(k != DAVE for k in limit._counts)


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        DailyLimit(0)
