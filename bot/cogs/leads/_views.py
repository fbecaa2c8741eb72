"""Lead components: the `/lead add` modal and the button that reopens it filled in, the duplicate prompt
and list pages (owned by their invoker), and the review card's persistent buttons with the veto modal."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import NotAllowed
from bot.i18n import t
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.forms import TOKEN_LENGTH
from bot.services.leads.model import CONTACT_MAX, LINK_MAX, RATIONALE_MIN, TEXT_MAX
from bot.services.leads.review import APPROVAL_REASON_MIN
from bot.ui.embeds import truncate
from bot.ui.permissions import Press, gated
from bot.ui.views import BaseModal, GuardedDynamicItem, OwnedView, custom_id

if TYPE_CHECKING:
    from bot.cogs.leads._flow import LeadFlow


def flow_of(interaction: discord.Interaction) -> LeadFlow:
    cog: Any = interaction.client.get_cog("Leads")  # type: ignore[attr-defined]
    return cog.flow  # type: ignore[no-any-return]


def _typed(value: str | None, limit: int) -> str | None:
    """What was typed, as a form field's default: Discord refuses a default longer than the field allows."""
    return value[:limit] if value else None


class AddLeadModal(BaseModal):
    """Asks for what `/lead add` did not get: summary, offer, ask, contact, link. Reopened after a
    refusal (``token`` names the kept draft), every field holds what the member typed."""

    def __init__(self, draft: leads.LeadDraft, locale: object, *, token: str | None = None) -> None:
        # A form closed with its X never comes back: without a timeout discord.py would keep it for good.
        super().__init__(
            title=truncate(t(locale, "lead.modal.title", partner=draft.partner), 45),
            timeout=leads.FORM_TTL.total_seconds(),
        )
        self.draft = draft
        self.token = token
        self.summary: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "lead.modal.summary"), custom_id="summary", style=discord.TextStyle.paragraph,
            max_length=TEXT_MAX, required=True, default=_typed(draft.summary, TEXT_MAX),
        )  # fmt: skip
        self.offer: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "lead.modal.offer"), custom_id="offer", style=discord.TextStyle.paragraph,
            max_length=TEXT_MAX, required=False, default=_typed(draft.offer, TEXT_MAX),
        )  # fmt: skip
        self.ask: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "lead.modal.ask"), custom_id="ask", style=discord.TextStyle.paragraph,
            max_length=TEXT_MAX, required=False, default=_typed(draft.ask, TEXT_MAX),
        )  # fmt: skip
        self.contact: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "lead.modal.contact"), custom_id="contact", max_length=CONTACT_MAX, required=False,
            default=_typed(draft.contact, CONTACT_MAX),
        )  # fmt: skip
        self.link: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "lead.modal.link"), custom_id="link", max_length=LINK_MAX, required=False,
            default=_typed(draft.link, LINK_MAX),
        )  # fmt: skip
        for item in (self.summary, self.offer, self.ask, self.contact, self.link):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        draft = replace(
            self.draft,
            summary=self.summary.value,
            offer=self.offer.value,
            ask=self.ask.value,
            contact=self.contact.value,
            link=self.link.value,
        )
        await flow_of(interaction).submit_form(interaction, draft, token=self.token)


class EditFormButton(
    GuardedDynamicItem[discord.ui.Button[Any]], template=rf"pb:lead:form:(?P<token>[A-Za-z0-9_-]{{{TOKEN_LENGTH}}})"
):
    """*Edit what you typed* under a refused `/lead add`: reopens the form filled with what the member
    typed, kept in memory under ``token`` (``pb:lead:form:<token>``). Persistent only so that a press after
    the draft is forgotten (time, a restart) is answered instead of failing."""

    access = Access.MEMBER  # as `/lead add`, whose form it reopens

    def __init__(self, token: str, *, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label or "Edit what you typed", 80),
                style=discord.ButtonStyle.primary,
                custom_id=custom_id("lead", "form", token),
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> EditFormButton:
        return cls(match["token"])

    async def run(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).reopen_form(interaction, self.token)


def form_view(token: str, locale: object) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(EditFormButton(token, label=t(locale, "lead.button.edit_form")))
    return view


class DuplicateView(OwnedView):
    """*Log anyway*, *Add as a note to L-n*, *Cancel* under a likely duplicate."""

    def __init__(
        self, owner_id: int, draft: leads.LeadDraft, duplicate: leads.Duplicate | None, locale: object
    ) -> None:
        """``duplicate``: the lead *Add as a note* writes to; None leaves that button out (the logger may
        not add notes, or may not see any of the likely duplicates)."""
        super().__init__(owner_id, locale=locale)
        self.draft = draft
        self.duplicate = duplicate
        log_anyway = t(locale, "lead.button.log_anyway")
        buttons: list[tuple[str, discord.ButtonStyle, Press]] = [
            (log_anyway, discord.ButtonStyle.primary, self._log_anyway)
        ]
        if duplicate is not None:
            label = t(locale, "lead.button.add_note", ref=duplicate.ref)
            # Checked again at the press: the role may have gone since the prompt was shown.
            buttons.append((label, discord.ButtonStyle.secondary, gated(leads.NOTE_ACCESS, self._add_note)))
        buttons.append((t(locale, "lead.button.cancel"), discord.ButtonStyle.secondary, self._cancel))
        for label, style, callback in buttons:
            button: discord.ui.Button[DuplicateView] = discord.ui.Button(label=truncate(label, 80), style=style)
            button.callback = callback  # type: ignore[method-assign, assignment]
            self.add_item(button)

    async def _log_anyway(self, interaction: discord.Interaction) -> None:
        self.stop()
        await flow_of(interaction).finish_add(interaction, self.draft, check_duplicates=False)

    async def _add_note(self, interaction: discord.Interaction) -> None:
        if self.duplicate is None:  # never offered: refuse a press as if it were not allowed
            raise NotAllowed("error.needs_role.working_group")
        await flow_of(interaction).add_as_note(interaction, self.draft, self.duplicate)
        self.stop()

    async def _cancel(self, interaction: discord.Interaction) -> None:
        self.stop()
        await interaction.response.edit_message(content=t(interaction.locale, "lead.cancelled"), embed=None, view=None)


class ListView(OwnedView):
    """*Previous* / *Next* through `/lead list`'s pages."""

    def __init__(self, owner_id: int, filters: leads.LeadFilter, page: leads.LeadPage, locale: object) -> None:
        super().__init__(owner_id, locale=locale)
        self.filters = filters
        self.page = page
        self.previous: discord.ui.Button[ListView] = discord.ui.Button(label=t(locale, "lead.button.previous"))
        self.next: discord.ui.Button[ListView] = discord.ui.Button(label=t(locale, "lead.button.next"))
        self.previous.callback = self._previous  # type: ignore[method-assign]
        self.next.callback = self._next  # type: ignore[method-assign]
        self.add_item(self.previous)
        self.add_item(self.next)
        self.refresh(page)

    def refresh(self, page: leads.LeadPage) -> None:
        self.page = page
        self.previous.disabled = page.page <= 0
        self.next.disabled = page.page >= page.pages - 1

    async def _previous(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).turn_page(interaction, self, self.page.page - 1)

    async def _next(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).turn_page(interaction, self, self.page.page + 1)


REVIEW_ACTIONS = ("approve", "veto", "recuse")
_REVIEW_STYLES = {
    "approve": discord.ButtonStyle.success,
    "veto": discord.ButtonStyle.danger,
    "recuse": discord.ButtonStyle.secondary,
}


class ReviewButton(
    GuardedDynamicItem[discord.ui.Button[Any]], template=r"pb:review:(?P<action>approve|veto|recuse):(?P<lead>\d+)"
):
    """*Approve*, *Veto*, *Recuse* on a review card; ``pb:review:<action>:<lead id>``, so a press works
    on any card, after any restart: the review is read from the database each time."""

    access = Access.REVIEWER

    def __init__(self, action: str, lead_id: int, *, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or action.capitalize(),
                style=_REVIEW_STYLES[action],
                custom_id=custom_id("review", action, lead_id),
            )
        )
        self.action = action
        self.lead_id = lead_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["lead"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).review_press(interaction, self.action, self.lead_id)


def review_view(state: leads.ReviewState, locale: str) -> discord.ui.View:
    """The buttons of an open review (a closed one has none)."""
    view = discord.ui.View(timeout=None)
    if not state.is_open:
        return view
    for action in REVIEW_ACTIONS:
        view.add_item(ReviewButton(action, state.lead.id, label=t(locale, f"review.button.{action}")))
    return view


class ApproveModal(BaseModal):
    """The written reason an approval needs while the lead has open high flags (history and digest)."""

    access = Access.REVIEWER

    def __init__(self, lead: leads.Lead, locale: object) -> None:
        super().__init__(title=truncate(t(locale, "review.approve.title", ref=lead.ref), 45))
        self.lead_id = lead.id
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=truncate(t(locale, "review.approve.label"), 45), custom_id="reason",
            style=discord.TextStyle.paragraph, min_length=APPROVAL_REASON_MIN, max_length=1000, required=True,
        )  # fmt: skip
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).record_vote(interaction, "approve", self.lead_id, self.reason.value)


class VetoModal(BaseModal):
    """The rationale a veto needs (at least 20 characters, shown in the history and the digest)."""

    access = Access.REVIEWER

    def __init__(self, lead: leads.Lead, locale: object) -> None:
        super().__init__(title=truncate(t(locale, "review.veto.title", ref=lead.ref), 45))
        self.lead_id = lead.id
        self.rationale: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=truncate(t(locale, "review.veto.label", min=RATIONALE_MIN), 45), custom_id="rationale",
            style=discord.TextStyle.paragraph, min_length=RATIONALE_MIN, max_length=1000, required=True,
        )  # fmt: skip
        self.add_item(self.rationale)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await flow_of(interaction).record_vote(interaction, "veto", self.lead_id, self.rationale.value)
