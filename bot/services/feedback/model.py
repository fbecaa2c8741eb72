"""What the feedback store hands back, the in-memory record of who sent each waiting item, and the small
rules on dates: nothing finer than a UTC day is kept, nothing finer than an ISO week is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.services.feedback_text import CleanText


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission. ``code`` is shown once to the author and kept nowhere."""

    item_id: int
    code: str
    text: CleanText


@dataclass(frozen=True)
class Retracted:
    item_id: int
    was_released: bool
    #: Whether the main database's WAL was truncated at once; if not, call :func:`checkpoint` again later.
    wiped: bool


@dataclass(frozen=True)
class Purged:
    items: int
    wiped: bool


@dataclass(frozen=True)
class ReleasedItem:
    topic: str
    week: str
    text: str


@dataclass(frozen=True)
class ReleasedBatch:
    number: int
    week: str
    items: tuple[ReleasedItem, ...]


@dataclass(frozen=True)
class FeedbackDigest:
    released: list[ReleasedItem]
    #: Whether any item is still waiting: never how many.
    waiting: bool


class Authors:
    """Who sent each waiting item, as the keyed hash the daily limit uses, in memory only: a batch is
    released only when it holds items from at least ``min_batch`` different members. Never written, so a
    restart forgets it; items whose author is unknown (they waited across a restart, or were stored a
    moment before their author was noted) count as no member at all: they go out with the next batch that
    has ``min_batch`` known members, never making a batch smaller."""

    def __init__(self) -> None:
        self._by_item: dict[int, bytes] = {}

    def __repr__(self) -> str:  # never the hashes
        return f"<Authors of {len(self._by_item)} waiting items>"

    def note(self, item_id: int, author: bytes) -> None:
        self._by_item[item_id] = author

    def forget(self, *item_ids: int) -> None:
        for item_id in item_ids:
            self._by_item.pop(item_id, None)

    def of(self, item_ids: list[int]) -> dict[int, bytes]:
        """The known authors of ``item_ids`` (a copy the database thread may read)."""
        return {i: self._by_item[i] for i in item_ids if i in self._by_item}

    def distinct(self, item_ids: list[int]) -> int:
        """How many different known members sent ``item_ids`` (unknown authors count as none)."""
        return distinct(self.of(item_ids), item_ids)


def distinct(known: dict[int, bytes], item_ids: list[int]) -> int:
    return len({known[i] for i in item_ids if i in known})


def iso_week(day: date) -> str:
    """``2026-W03``: the ISO year and week, the finest date the working group ever sees."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def day_of(value: date | datetime) -> date:
    """The UTC day of ``value``."""
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def released_item(topic: str, day: str, text: str) -> ReleasedItem:
    """An item as the working group sees it: its week, never its day."""
    return ReleasedItem(topic=topic, week=iso_week(date.fromisoformat(day)), text=text)
