"""An update as stored, and the checks every field passes before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.errors import InvalidInput
from bot.services.choices import match_choice

TITLE_LIMIT = 200
BODY_LIMIT = 4000
LINK_LIMIT = 1000
LIST_LIMIT = 25


@dataclass(frozen=True)
class Update:
    id: int
    guild_id: int
    area: str | None
    title: str
    body: str
    link: str | None
    author_id: int
    created_at: datetime
    channel_id: int | None
    message_id: int | None
    posted_at: datetime | None
    thread_id: int | None

    @property
    def posted(self) -> bool:
        return self.message_id is not None


def check_link(link: str | None) -> str | None:
    """A cleaned http(s) link, None for an empty one; :class:`InvalidInput` for anything else."""
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > LINK_LIMIT:
        raise InvalidInput("update.link_too_long", limit=LINK_LIMIT)
    parts = urlsplit(link)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in link):
        raise InvalidInput("update.bad_link")
    return link


def check_area(area: str | None, areas: Sequence[str]) -> str | None:
    """The configured spelling of ``area`` (matched case-insensitively), None for none."""
    area = (area or "").strip()
    if not area:
        return None
    known = match_choice(area, areas)  # an area's shortened autocomplete value too
    if known is None:
        raise InvalidInput("update.unknown_area", areas=", ".join(areas))
    return known


def check_text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title:
        raise InvalidInput("update.title_empty")
    if len(title) > TITLE_LIMIT:
        raise InvalidInput("update.title_too_long", limit=TITLE_LIMIT, length=len(title))
    if not body:
        raise InvalidInput("update.body_empty")
    if len(body) > BODY_LIMIT:
        raise InvalidInput("update.body_too_long", limit=BODY_LIMIT, length=len(body))
    return title, body
