"""The checklists of one guild as one object: :class:`ChecklistService`, built once by the composition root
(:mod:`bot.compose`) with the database, the clock, the guild and its settings bound in.

It owns the questionnaires the guild's runs are started from (loaded from the configured folder by
:meth:`ChecklistService.load_questionnaires` when the checklists cog loads: a broken folder stops the start
with every problem named). Cogs call its methods (``checklists.answer(run_id, question_id, value,
actor_id=...)``) and never pass the database, the guild or the time themselves.

The modules it calls each do one step: ``runs`` changes a run, ``store`` reads runs and records what has
reached Discord, ``completion`` carries a run onto its lead. Everything done to or read from a lead goes
through the :class:`LeadsService` it is built with, and posts are forgotten through its :class:`Outbox`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import ChecklistSettings
from bot.db import Database
from bot.services.access import Access
from bot.services.base import GuildService
from bot.services.checklists import completion, runs, store
from bot.services.checklists.completion import ReviewReadiness
from bot.services.checklists.model import ChecklistRun, CompletedRun, StartOutcome, Step
from bot.services.leads.model import LeadEvent
from bot.services.leads.service import LeadsService
from bot.services.outbox import Outbox
from bot.services.questionnaires import Questionnaire, find_questionnaire, load_questionnaires


class ChecklistService(GuildService[ChecklistSettings]):
    """Start, answer, cancel and read the checklist runs of one guild, and carry them onto their leads."""

    def __init__(
        self,
        db: Database,
        guild_id: int,
        settings: ChecklistSettings,
        clock: Clock,
        leads: LeadsService,
        outbox: Outbox,
        *,
        questionnaire_folder: Path,
    ) -> None:
        super().__init__(db, guild_id, settings, clock)
        self.leads = leads
        self.outbox = outbox
        self.questionnaire_folder = questionnaire_folder
        #: The questionnaires runs are started from, by id (empty until :meth:`load_questionnaires`).
        self.questionnaires: dict[str, Questionnaire] = {}

    # -- questionnaires ---------------------------------------------------------------------------
    def load_questionnaires(self) -> None:
        """Read the questionnaire folder. Raises ConfigError naming every problem (the start stops)."""
        self.questionnaires = load_questionnaires(self.questionnaire_folder)

    def questionnaire(self, name: str | None = None) -> Questionnaire:
        """The questionnaire ``name`` names (its id or title), or the configured default."""
        return find_questionnaire(self.questionnaires, name or self.settings.default)

    # -- changing runs ----------------------------------------------------------------------------
    async def start(
        self, lead_id: int, questionnaire: Questionnaire, *, actor_id: int, actor_access: Access, locale: str
    ) -> StartOutcome:
        """Open a run (or find the one already open for this lead and questionnaire); a ``logged`` lead
        moves to ``assessing``. The thread is attached afterwards with :meth:`set_thread`."""
        return await runs.start_run(
            self.db, self.guild_id, lead_id, questionnaire, leads=self.leads, actor_id=actor_id,
            actor_access=actor_access, now=self.clock(), locale=locale,
        )  # fmt: skip

    async def answer(self, run_id: int, question_id: str, value: Any, *, actor_id: int) -> Step:
        now = self.clock()
        return await runs.answer(self.db, self.guild_id, run_id, question_id, value, actor_id=actor_id, now=now)

    async def skip(self, run_id: int, question_id: str, *, actor_id: int) -> Step:
        return await runs.skip(self.db, self.guild_id, run_id, question_id, actor_id=actor_id, now=self.clock())

    async def back(self, run_id: int, question_id: str) -> Step:
        return await runs.back(self.db, self.guild_id, run_id, question_id, now=self.clock())

    async def cancel(self, run_id: int, *, actor_id: int) -> ChecklistRun:
        """Close an open run for good; its thread is told and archived by the caller."""
        return await runs.cancel_run(self.db, self.guild_id, run_id, actor_id=actor_id, now=self.clock())

    async def cancel_with_lead(self, lead_id: int) -> list[ChecklistRun]:
        """Cancel the open runs of a lead that was closed (no one cancelled them); returns those cancelled."""
        return await runs.cancel_runs_of_closed_lead(self.db, self.guild_id, lead_id, actor_id=None, now=self.clock())

    # -- reading runs -----------------------------------------------------------------------------
    async def get(self, run_id: int) -> ChecklistRun:
        return await store.get_run(self.db, self.guild_id, run_id)

    async def for_thread(self, thread_id: int) -> ChecklistRun:
        """The run whose thread this is; NotFound when the channel is not a checklist thread."""
        return await store.run_for_thread(self.db, self.guild_id, thread_id)

    async def for_lead(self, lead_id: int) -> list[ChecklistRun]:
        """Every run about the lead, newest first."""
        return await store.runs_for_lead(self.db, self.guild_id, lead_id)

    async def open_runs(self) -> list[ChecklistRun]:
        return await store.open_runs(self.db, self.guild_id)

    async def pending(self) -> list[ChecklistRun]:
        """Runs with something still to do on Discord or on the lead."""
        return await store.pending_runs(self.db, self.guild_id)

    async def completed_between(self, start: datetime, end: datetime) -> list[CompletedRun]:
        """Runs completed in [start, end), oldest first, with their flags (for the digest)."""
        return await completion.completed_between(self.db, self.guild_id, start, end, leads=self.leads)

    async def review_readiness(self, lead_id: int) -> ReviewReadiness:
        """The lead's open high flags and latest run, for the review card and the mover's warnings."""
        return await completion.review_readiness(self.db, self.guild_id, lead_id, leads=self.leads)

    # -- what has reached Discord -----------------------------------------------------------------
    async def set_thread(self, run_id: int, thread_id: int | None) -> None:
        """Attach the run's thread; None forgets a deleted one, so the next pass opens another."""
        await store.set_thread(self.db, self.guild_id, run_id, thread_id)

    async def question_posted(self, run_id: int, position: int, message_id: int, *, key: str) -> None:
        """The question at ``position`` is in the thread as ``message_id``, posted as the attempt ``key``."""
        await store.mark_posted(self.db, self.guild_id, run_id, position, message_id)
        await self.outbox.done(key)

    async def summary_posted(self, run_id: int, message_id: int, *, keys: list[str]) -> None:
        """The summary is in the thread, starting at ``message_id``, posted as the attempts ``keys``."""
        await store.mark_summary_posted(self.db, self.guild_id, run_id, message_id)
        for key in keys:
            await self.outbox.done(key)

    async def closed_posted(self, run_id: int) -> None:
        """The cancelled run's thread has been told and archived."""
        await store.mark_closed_posted(self.db, self.guild_id, run_id)

    # -- the lead ---------------------------------------------------------------------------------
    async def sync_flags(self, run: ChecklistRun, *, locale: str) -> list[LeadEvent]:
        """Put on the lead the flags the run's answers raise right now, and take off those a changed answer
        no longer raises (a cancelled run's all come off)."""
        return await completion.sync_flags(run, leads=self.leads, locale=locale)

    async def sync_lead(self, run: ChecklistRun, *, locale: str) -> LeadEvent | None:
        """Carry a completed run onto its lead (note, flags, then the configured move); returns the move's
        event, for the caller to dispatch as ``lead_event``."""
        return await completion.sync_lead(
            self.db, run, leads=self.leads, on_complete=self.settings.on_complete, locale=locale, now=self.clock()
        )
