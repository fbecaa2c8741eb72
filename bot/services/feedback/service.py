"""Anonymous feedback of one guild as one object: :class:`FeedbackService`, built once by the composition
root (:mod:`bot.compose`) with the database, the clock, the guild and its settings bound in.

It owns everything feedback keeps in memory, all of it under keyed hashes (HMAC with a secret drawn at
start, never written) and all of it forgotten at a restart: the drafts waiting for *Send anonymously*,
the daily limit, the wrong-code throttle, who sent each waiting item (so a batch is released only when it
comes from enough members), and whose DMs the bot could not answer. Callers pass member ids; no id goes
further than the keyed hash.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.config import FeedbackSettings
from bot.db import Database
from bot.errors import InvalidInput, NotAllowed, NotFound, PartnerBotError
from bot.services.base import GuildService
from bot.services.feedback import store
from bot.services.feedback.model import Authors, FeedbackDigest, ReleasedBatch, Retracted, Submitted
from bot.services.feedback_drafts import Draft, Drafts
from bot.services.feedback_text import clean, is_blank
from bot.services.ratelimit import DailyLimit

#: Wrong retraction codes a member may try a day. A code is 80 random bits, so this is not about guessing:
#: each try reads every item's salted hash, and an unthrottled stream of them would keep the store busy.
WRONG_CODES_PER_DAY = 20


class FeedbackService(GuildService[FeedbackSettings]):
    """Draft, send, retract, release and review the anonymous feedback of one guild."""

    def __init__(self, db: Database, guild_id: int, settings: FeedbackSettings, clock: Clock) -> None:
        super().__init__(db, guild_id, settings, clock)
        #: Submissions per member per day, in memory under HMAC with a secret drawn now, never written.
        self.limit = DailyLimit(settings.per_day)
        #: Wrong retraction codes per member per day, the same way (see :meth:`retract`).
        self.wrong_codes = DailyLimit(WRONG_CODES_PER_DAY)
        #: DM previews waiting for *Send anonymously*, bound to the keyed hash of their writer.
        self.drafts = Drafts()
        #: Who sent each waiting item, as keyed hashes: a batch is released only when it holds items from
        #: enough different members (:meth:`submit` notes, :meth:`release` reads).
        self.authors = Authors()
        #: Keyed hashes of members whose DM the bot could not answer (DMs closed): told in the server.
        self._dm_failed: set[bytes] = set()
        #: A wipe whose WAL checkpoint was busy: :meth:`tidy` tries again.
        self._wal_dirty = False

    def __repr__(self) -> str:  # never the keyed hashes
        return f"<FeedbackService guild={self.guild_id} drafts={len(self.drafts)}>"

    # -- drafts (the DM flow) ---------------------------------------------------------------------
    def check_limit(self, member_id: int) -> None:
        """Raise :class:`NotAllowed` ``feedback.limit_reached`` when the member has nothing left to send today."""
        self.limit.check(member_id, now=self.clock())

    def new_draft(self, member_id: int, raw: str, *, attachments: bool = False) -> tuple[str, Draft]:
        """A preview of ``raw`` as it would be stored, kept in memory under a random token. Refused when
        nothing visible is left (``feedback.attachment_only`` when the message had only attachments), when
        it is too long, and when the member reached today's limit."""
        if is_blank(raw.strip()):
            raise InvalidInput("feedback.attachment_only" if attachments else "feedback.empty")
        now = self.clock()
        text = clean(raw, max_length=self.settings.max_length)
        self.limit.check(member_id, now=now)
        draft = Draft(text=text, owner=self.limit.key(member_id), created=now, attachments_dropped=attachments)
        return self.drafts.create(draft), draft

    def choose_topic(self, token: str, member_id: int, topic: str) -> Draft:
        """Set the topic of the member's draft ``token``; NotFound ``feedback.draft_expired`` when it is gone."""
        return self.drafts.set_topic(token, self.limit.key(member_id), topic, now=self.clock())

    def drop_draft(self, token: str, member_id: int) -> None:
        """Forget the member's draft ``token`` (Cancel, or a preview that could not be shown)."""
        self.drafts.pop(token, self.limit.key(member_id), now=self.clock())

    async def send_draft(self, token: str, member_id: int) -> Submitted:
        """Store the member's draft ``token``. When storing fails for a reason that is not the member's,
        nothing was stored and the draft is put back: the member may press Send again."""
        # Membership was checked when the DM arrived; a draft lives 15 minutes at most.
        draft = self.drafts.pop(token, self.limit.key(member_id), now=self.clock())
        try:
            return await self.submit(member_id, draft.topic, draft.text.text)
        except PartnerBotError:
            raise
        except Exception:
            self.drafts.restore(token, draft)
            raise

    # -- storing and retracting -------------------------------------------------------------------
    async def submit(self, member_id: int, topic: str, text: str) -> Submitted:
        """Count the submission against the member's daily limit, then store it (never their id)."""
        now = self.clock()
        self.limit.take(member_id, now=now)
        try:
            submitted = await store.submit(
                self.db, self.guild_id, topic, text, now=now, max_length=self.settings.max_length
            )
        except BaseException:
            self.limit.give_back(member_id, now=now)
            raise
        # An item stored a moment before this line counts as no member if a release reads it meanwhile.
        self.authors.note(submitted.item_id, self.limit.key(member_id))
        return submitted

    async def retract(self, code: str, *, member_id: int) -> Retracted:
        """Delete the item whose retraction code is ``code`` (:func:`store.retract` says what it raises).
        Wrong codes are counted per member, in memory under the keyed hash: :data:`WRONG_CODES_PER_DAY` a
        day, then refused (NotAllowed ``feedback.retract_throttled``) until the next UTC day."""
        now = self.clock()
        if self.wrong_codes.remaining(member_id, now=now) <= 0:
            raise NotAllowed("feedback.retract_throttled")
        # Counted before the wait (with nothing in between), so tries made at once cannot all slip under
        # the limit; given back unless the code turned out wrong.
        self.wrong_codes.take(member_id, now=now)
        try:
            result = await store.retract(
                self.db, self.guild_id, code, now=now, retention_days=self.settings.retention_days
            )
        except NotFound:
            raise
        except BaseException:
            self.wrong_codes.give_back(member_id, now=now)
            raise
        self.wrong_codes.give_back(member_id, now=now)
        self.authors.forget(result.item_id)
        self._wal_dirty = self._wal_dirty or not result.wiped
        return result

    # -- DMs the bot could not answer -------------------------------------------------------------
    def dm_closed(self, member_id: int) -> None:
        """Remember (by keyed hash) that the member's DMs refused the bot's answer."""
        self._dm_failed.add(self.limit.key(member_id))

    def take_dm_closed(self, member_id: int) -> bool:
        """Whether the member's DMs refused an answer since last asked; asking forgets it."""
        if not self._dm_failed:
            return False
        key = self.limit.key(member_id)
        if key not in self._dm_failed:
            return False
        self._dm_failed.discard(key)
        return True

    # -- release, review, retention ---------------------------------------------------------------
    async def release(self, at: datetime) -> int | None:
        """Release the waiting items as one batch if they come from at least ``min_batch`` members: only
        for a scheduled digest, ``at`` being its scheduled time. Returns the batch number, if any."""
        return await store.release(
            self.db, self.guild_id, at=at, min_batch=self.settings.min_batch, authors=self.authors
        )

    async def released_batches(self) -> list[ReleasedBatch]:
        return await store.released_batches(self.db, self.guild_id)

    async def digest_info(self, start: datetime, end: datetime) -> FeedbackDigest:
        return await store.digest_info(self.db, self.guild_id, start, end)

    async def waiting_count(self) -> int:
        """How many items wait for release. Never shown to anyone."""
        return await store.waiting_count(self.db, self.guild_id)

    async def tidy(self) -> None:
        """Forget expired drafts, delete items past retention, finish a wipe whose checkpoint was busy."""
        now = self.clock()
        self.drafts.prune(now)
        purged = await store.purge_expired(self.db, self.guild_id, now=now, retention_days=self.settings.retention_days)
        if self._wal_dirty or not purged.wiped:
            self._wal_dirty = not await store.checkpoint(self.db)
