"""What happens between a command and its answer when a form or a button is involved: saving a lead or
showing its duplicates, turning list pages, and recording review votes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.cogs.leads._cards import Cards
from bot.cogs.leads._embeds import duplicate_embed, lead_card, list_embed
from bot.cogs.leads._views import AddLeadModal, ApproveModal, DuplicateView, ListView, VetoModal, form_view
from bot.errors import InvalidInput, NotAllowed
from bot.i18n import t, tn
from bot.services import leads
from bot.services.leads.service import LeadsService, ReviewService
from bot.ui.embeds import truncate
from bot.ui.errors import message_of
from bot.ui.permissions import caller_access
from bot.ui.respond import SEND_ERRORS, respond

if TYPE_CHECKING:
    from bot.app import PartnerBot

log = logging.getLogger(__name__)


class LeadFlow:
    def __init__(self, bot: PartnerBot, service: LeadsService, review: ReviewService, cards: Cards) -> None:
        self.bot = bot
        self.leads = service
        self.review = review
        self.cards = cards

    # -- /lead add: the form, and what was typed into a refused one --------------------------------
    async def submit_form(
        self, interaction: discord.Interaction, draft: leads.LeadDraft, *, token: str | None = None
    ) -> None:
        """The form came back: log the lead, or say what is wrong and keep what was typed."""
        try:
            self.leads.check_form(draft)
        except InvalidInput as problem:
            if token is not None:  # kept again, under a new token
                self.leads.drop_form(token)
            await self.refuse_form(interaction, draft, problem)
            return
        if token is not None:  # dropped before logging: the old button can never reopen it for a second lead
            self.leads.drop_form(token)
        await self.finish_add(interaction, draft)

    async def refuse_form(
        self, interaction: discord.Interaction, draft: leads.LeadDraft, problem: InvalidInput
    ) -> None:
        """Say what is wrong with ``draft`` (as typed), with a button that reopens the form filled in."""
        loc = interaction.locale
        token = self.leads.keep_form(draft, owner_id=interaction.user.id)
        minutes = int(leads.FORM_TTL.total_seconds() // 60)
        text = f"{message_of(problem, loc)}\n{tn(loc, 'lead.form_kept', minutes, minutes=minutes)}"
        await self._answer(interaction, text, view=form_view(token, loc))

    async def reopen_form(self, interaction: discord.Interaction, token: str) -> None:
        draft = self.leads.kept_form(token, owner_id=interaction.user.id)
        await interaction.response.send_modal(AddLeadModal(draft, interaction.locale, token=token))

    async def _answer(
        self,
        interaction: discord.Interaction,
        content: str | None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Replace the message whose button led here (a button, or a form opened from one); else reply."""
        replaces = interaction.message is not None and interaction.type in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        )
        if replaces and not interaction.response.is_done():
            await interaction.response.edit_message(content=content, embed=embed, view=view)
        else:
            await respond(interaction, content, embed=embed, view=view)

    async def finish_add(
        self, interaction: discord.Interaction, draft: leads.LeadDraft, *, check_duplicates: bool = True
    ) -> None:
        """Save the lead (or show its likely duplicates), answer privately, post the card."""
        loc = interaction.locale
        access = self.bot.access(interaction.user)
        if check_duplicates and self.leads.names.building:
            # The duplicate check will wait for the name index being built (the warm-up after a start, up
            # to seconds at 100k leads): answer Discord within its three seconds first.
            await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.leads.log(
            draft, owner_id=interaction.user.id, owner_access=access, check_duplicates=check_duplicates
        )
        if result.lead is None:
            # Only what the logger may see is named; "Add as a note" only for those who may add notes.
            target = result.duplicates[0] if result.duplicates and access >= leads.NOTE_ACCESS else None
            view = DuplicateView(interaction.user.id, draft, target, loc)
            embed = duplicate_embed(draft.partner, result.duplicates, str(loc), note_to=target)
            await self._answer(interaction, None, embed=embed, view=view)
            return
        lead = result.lead
        text = t(loc, "lead.added", ref=lead.ref, partner=truncate(lead.partner, 100))
        await self._answer(interaction, text, embed=lead_card(lead, str(loc), contact=True))
        await self.cards.lead(lead.id, new=lead)

    async def add_as_note(
        self, interaction: discord.Interaction, draft: leads.LeadDraft, duplicate: leads.Duplicate
    ) -> None:
        access = caller_access(interaction)  # at least leads.NOTE_ACCESS: the button checks (DuplicateView)
        if not duplicate.visible_to(interaction.user.id, access):
            raise NotAllowed("error.needs_role.working_group")
        note = leads.duplicate_note(draft, logger_id=interaction.user.id)
        await self.leads.note(duplicate.lead_id, note, actor_id=interaction.user.id)
        text = t(interaction.locale, "lead.noted_duplicate", ref=duplicate.ref)
        await interaction.response.edit_message(content=text, embed=None, view=None)
        await self.cards.lead(duplicate.lead_id)

    async def turn_page(self, interaction: discord.Interaction, view: ListView, number: int) -> None:
        page = await self.leads.list_page(
            view.filters, viewer_id=interaction.user.id,
            viewer_access=self.bot.access(interaction.user), page=number,
        )  # fmt: skip
        view.refresh(page)
        await interaction.response.edit_message(embed=list_embed(page, str(interaction.locale)), view=view)

    # -- review buttons ---------------------------------------------------------------------------
    async def review_press(self, interaction: discord.Interaction, action: str, lead_id: int) -> None:
        lead = await self.leads.get(lead_id)
        # A veto always needs a rationale; an approval needs a reason while high flags are open.
        needs_words = action == "veto" or (action == "approve" and leads.needs_approval_reason(lead))
        if not needs_words:
            await self.record_vote(interaction, action, lead_id, None)
            return
        access = self.bot.access(interaction.user)
        await self.review.check_can_vote(lead_id, reviewer_id=interaction.user.id, access=access)
        modal = VetoModal(lead, interaction.locale) if action == "veto" else ApproveModal(lead, interaction.locale)
        await interaction.response.send_modal(modal)

    async def record_vote(
        self, interaction: discord.Interaction, action: str, lead_id: int, rationale: str | None
    ) -> None:
        result = await self.review.vote(
            lead_id, action, reviewer_id=interaction.user.id, reviewer_access=self.bot.access(interaction.user),
            rationale=rationale,
        )  # fmt: skip
        state = result.state
        loc = interaction.locale
        params = {"ref": state.lead.ref, "approvals": state.approvals, "quorum": state.quorum}
        if action == "approve":  # a plural entry, counted by the quorum
            text = tn(loc, "review.voted.approve", state.quorum, **params)
        else:
            text = t(loc, f"review.voted.{action}", **params)
        decided = result.decided
        if decided is not None and decided.to_status == "approved":
            text += "\n" + t(loc, "review.decided", ref=state.lead.ref)
        await respond(interaction, text)
        if decided is not None:
            self.bot.dispatch("lead_event", decided)
        if action == "recuse":
            # After the answer: counting the reviewers asks Discord, which may wait out a rate limit.
            await self._tell_if_short_of_quorum(interaction, state)
        await self.cards.review(lead_id)
        await self.cards.lead(lead_id)

    async def _tell_if_short_of_quorum(self, interaction: discord.Interaction, state: leads.ReviewState) -> None:
        reviewers = await self.bot.reviewer_count()
        if state.cannot_reach_quorum(reviewers):
            assert reviewers is not None
            text = tn(
                interaction.locale,
                "review.cannot_reach",
                state.quorum,
                eligible=state.eligible(reviewers),
                quorum=state.quorum,
            )
            try:
                await respond(interaction, text)
            except SEND_ERRORS:
                log.info("could not tell a reviewer that the review of L-%s cannot reach quorum", state.lead.id)
