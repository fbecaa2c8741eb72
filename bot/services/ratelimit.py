"""A daily per-member limit kept in memory under a keyed hash, so it never holds a member id.

The key is HMAC-SHA256 with a secret drawn at start and never written anywhere: nobody holding the
bot's files can tell whose count is whose, and a restart (new secret, empty counts) forgets it all.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime

from bot.errors import NotAllowed


class DailyLimit:
    """At most ``limit`` actions per member per (UTC) day. Counts reset when the day changes."""

    def __init__(self, limit: int, *, secret: bytes | None = None) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._day: date | None = None
        self._counts: dict[bytes, int] = {}

    def __repr__(self) -> str:
        # Never show the secret or the keys, even in a debugger or a log line.
        return f"<DailyLimit limit={self.limit} day={self._day} tracked={len(self._counts)}>"

    def key(self, member_id: int) -> bytes:
        """The keyed hash standing in for ``member_id`` (stable until restart)."""
        return hmac.new(self._secret, str(int(member_id)).encode(), hashlib.sha256).digest()

    def _roll(self, now: datetime) -> None:
        today = now.date()
        if today != self._day:
            self._day = today
            self._counts.clear()

    def used(self, member_id: int, *, now: datetime) -> int:
        self._roll(now)
        return self._counts.get(self.key(member_id), 0)

    def remaining(self, member_id: int, *, now: datetime) -> int:
        return max(0, self.limit - self.used(member_id, now=now))

    def check(self, member_id: int, *, now: datetime) -> None:
        """Raise :class:`NotAllowed` ``feedback.limit_reached`` when the member has no action left today."""
        if self.remaining(member_id, now=now) <= 0:
            raise NotAllowed("feedback.limit_reached", count=self.limit)

    def take(self, member_id: int, *, now: datetime) -> None:
        """Count one action, or raise like :meth:`check`. Synchronous, so two concurrent takes can
        never both slip under the limit."""
        self.check(member_id, now=now)
        key = self.key(member_id)
        self._counts[key] = self._counts.get(key, 0) + 1

    def give_back(self, member_id: int, *, now: datetime) -> None:
        """Undo one :meth:`take` (the action failed before anything was kept)."""
        self._roll(now)
        key = self.key(member_id)
        left = self._counts.get(key, 0) - 1
        if left > 0:
            self._counts[key] = left
        else:
            self._counts.pop(key, None)

    @property
    def tracked(self) -> int:
        """How many members have a count today (for tests and diagnostics)."""
        return len(self._counts)
