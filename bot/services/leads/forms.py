"""What a member typed into `/lead add` that was refused, kept so the form can reopen with it filled in.
In memory only: forgotten after 15 minutes, beyond three per member, once the lead is logged, or at a
restart. A button names a kept form by a random token; only the member who typed it may reopen it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import NotAllowed, NotFound
from bot.services.leads.model import LeadDraft

FORM_TTL = timedelta(minutes=15)
#: Characters of a token (``secrets.token_urlsafe(9)``): short enough for any custom_id that carries it.
TOKEN_LENGTH = 12


@dataclass(frozen=True)
class KeptForm:
    draft: LeadDraft
    owner_id: int
    kept_at: datetime

    def expired(self, now: datetime) -> bool:
        return now - self.kept_at >= FORM_TTL


@dataclass
class KeptForms:
    """Refused `/lead add` drafts by random token."""

    per_owner: int = 3
    _forms: dict[str, KeptForm] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._forms)

    def keep(self, draft: LeadDraft, *, owner_id: int, now: datetime) -> str:
        """Keep ``draft`` for ``owner_id``; the token that names it. The member's oldest go first."""
        self.prune(now)
        mine = [token for token, kept in self._forms.items() if kept.owner_id == owner_id]
        for token in mine[: max(0, len(mine) - self.per_owner + 1)]:
            del self._forms[token]  # dicts keep insertion order: oldest first
        token = secrets.token_urlsafe(9)
        self._forms[token] = KeptForm(draft, owner_id, now)
        return token

    def get(self, token: str, *, owner_id: int, now: datetime) -> LeadDraft:
        """The draft ``token`` names, still kept; NotFound ``lead.form_expired`` when it is not, NotAllowed
        when ``owner_id`` is not the member who typed it."""
        kept = self._forms.get(token)
        if kept is not None and kept.expired(now):
            del self._forms[token]
            kept = None
        if kept is None:
            raise NotFound("lead.form_expired", count=int(FORM_TTL.total_seconds() // 60))
        if kept.owner_id != owner_id:
            raise NotAllowed("error.not_your_buttons")
        return kept.draft

    def drop(self, token: str) -> None:
        self._forms.pop(token, None)

    def prune(self, now: datetime) -> int:
        stale = [token for token, kept in self._forms.items() if kept.expired(now)]
        for token in stale:
            del self._forms[token]
        return len(stale)
