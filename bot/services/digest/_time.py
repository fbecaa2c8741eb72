"""Times as the digest tables store them: whole seconds since the epoch, UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def unix(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return int(when.timestamp())


def from_unix(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)
