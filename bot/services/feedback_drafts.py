"""Feedback drafts: a DM's preview waiting for *Send anonymously*. Held in memory only, bound to a keyed
hash of its author (never an id), forgotten after 15 minutes, beyond five per member, or at a restart."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import InvalidInput, NotFound
from bot.services.feedback_text import CleanText

TOPICS = ("general", "process", "partnership", "other")
DRAFT_TTL = timedelta(minutes=15)


def check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise InvalidInput("feedback.bad_topic", topics=", ".join(TOPICS))
    return topic


@dataclass
class Draft:
    """A DM preview waiting for *Send anonymously*. ``owner`` is a keyed hash, never a member id."""

    text: CleanText
    owner: bytes
    created: datetime
    topic: str = "general"
    attachments_dropped: bool = False

    def expired(self, now: datetime) -> bool:
        return now - self.created >= DRAFT_TTL


@dataclass
class Drafts:
    """Drafts by random token. Nothing here is ever written to disk; a restart forgets them all."""

    per_owner: int = 5
    _drafts: dict[str, Draft] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._drafts)

    def create(self, draft: Draft) -> str:
        mine = [t for t, d in self._drafts.items() if hmac.compare_digest(d.owner, draft.owner)]
        for token in mine[: max(0, len(mine) - self.per_owner + 1)]:
            del self._drafts[token]  # oldest first: dicts keep insertion order
        token = secrets.token_urlsafe(12)
        self._drafts[token] = draft
        return token

    def get(self, token: str, owner: bytes, *, now: datetime) -> Draft:
        """The live draft ``token`` of ``owner``; NotFound ``feedback.draft_expired`` otherwise."""
        draft = self._drafts.get(token)
        if draft is None or not hmac.compare_digest(draft.owner, owner):
            raise NotFound("feedback.draft_expired")
        if draft.expired(now):
            del self._drafts[token]
            raise NotFound("feedback.draft_expired")
        return draft

    def set_topic(self, token: str, owner: bytes, topic: str, *, now: datetime) -> Draft:
        draft = self.get(token, owner, now=now)
        draft.topic = check_topic(topic)
        return draft

    def pop(self, token: str, owner: bytes, *, now: datetime) -> Draft:
        draft = self.get(token, owner, now=now)
        del self._drafts[token]
        return draft

    def restore(self, token: str, draft: Draft) -> None:
        """Put back a draft whose submission failed before anything was stored."""
        self._drafts[token] = draft

    def prune(self, now: datetime) -> int:
        stale = [t for t, d in self._drafts.items() if d.expired(now)]
        for token in stale:
            del self._drafts[token]
        return len(stale)
