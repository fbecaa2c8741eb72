"""What anonymous feedback looks like in Discord: the DM preview and its components, the confirmation
with the retraction code, the /feedback give modal, the privacy statement and the review pages.

The preview's select and buttons are DynamicItems whose custom_id carries only a random draft token:
they reach the draft in memory (or say it is gone, after 15 minutes or a restart) and never carry a
member, message or channel id.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.config import FeedbackSettings
from bot.i18n import t, term, tn
from bot.services.access import Access
from bot.services.feedback import TOPICS, Draft, ReleasedBatch, Submitted
from bot.services.feedback_text import CleanText
from bot.ui.embeds import DESCRIPTION_LIMIT, Colour, escaped_pieces, group_embeds, make_embed
from bot.ui.views import BaseModal, GuardedDynamicItem, OwnedView, custom_id, instance_id

if TYPE_CHECKING:
    from bot.cogs.feedback._cog import FeedbackCog

#: How long an unsent /feedback give form is kept in memory (seconds).
FORM_TIMEOUT = 3600
_TOKEN = r"(?P<token>[A-Za-z0-9_-]{16})"


def topic_label(locale: object, topic: str) -> str:
    return term(locale, "feedback.topic", topic)


def masked_note(locale: object, text: CleanText) -> str | None:
    parts = [
        tn(locale, f"feedback.masked.{kind}", count)
        for kind, count in (("emails", text.emails), ("phones", text.phones), ("mentions", text.mentions))
        if count
    ]
    return t(locale, "feedback.masked", what=", ".join(parts)) if parts else None


# -- the DM preview --------------------------------------------------------------------------------
def preview_embed(locale: object, draft: Draft) -> discord.Embed:
    notes = [masked_note(locale, draft.text)]
    if draft.attachments_dropped:
        notes.append(t(locale, "feedback.attachments_dropped"))
    fields = [(t(locale, "feedback.preview.note"), note) for note in notes if note]
    return make_embed(
        t(locale, "feedback.preview.title"),
        draft.text.text,
        colour=Colour.NEUTRAL,
        fields=fields,
        footer=t(locale, "feedback.preview.footer"),
    )


def preview_view(token: str, topic: str, locale: object) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(TopicSelect(token, topic=topic, locale=locale))
    view.add_item(SendButton(token, locale=locale))
    view.add_item(CancelButton(token, locale=locale))
    return view


def _cog(interaction: discord.Interaction) -> FeedbackCog:
    cog = interaction.client.get_cog("feedback")  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError("the feedback cog is not loaded")
    return cog  # type: ignore[no-any-return]


class TopicSelect(GuardedDynamicItem[discord.ui.Select[Any]], template=rf"pb:fb:topic:{_TOKEN}"):
    # Anyone: pressed in a DM, on a draft bound to its writer (membership was checked when the DM came).
    access = Access.NONE

    def __init__(self, token: str, *, topic: str = "general", locale: object = None) -> None:
        options = [
            discord.SelectOption(label=topic_label(locale, key), value=key, default=key == topic) for key in TOPICS
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=custom_id("fb", "topic", token),
                placeholder=t(locale, "feedback.preview.placeholder"),
                options=options,
                row=0,
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TopicSelect:
        return cls(match["token"], locale=interaction.locale)

    async def run(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).choose_topic(interaction, self.token, self.item.values[0])


class SendButton(GuardedDynamicItem[discord.ui.Button[Any]], template=rf"pb:fb:send:{_TOKEN}"):
    access = Access.NONE  # as TopicSelect

    # "Send anonymously" in English (fixed words, docs/design.md section 9), translated for other locales.
    def __init__(self, token: str, *, locale: object = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, "feedback.button.send"),
                style=discord.ButtonStyle.primary,
                custom_id=custom_id("fb", "send", token),
                row=1,
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SendButton:
        return cls(match["token"])

    async def run(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).send_draft(interaction, self.token)


class CancelButton(GuardedDynamicItem[discord.ui.Button[Any]], template=rf"pb:fb:cancel:{_TOKEN}"):
    access = Access.NONE  # as TopicSelect

    def __init__(self, token: str, *, locale: object = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, "feedback.button.cancel"),
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("fb", "cancel", token),
                row=1,
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CancelButton:
        return cls(match["token"])

    async def run(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cancel_draft(interaction, self.token)


PERSISTENT_ITEMS = (TopicSelect, SendButton, CancelButton)


# -- after sending ---------------------------------------------------------------------------------
def sent_message(
    locale: object, result: Submitted, settings: FeedbackSettings, *, show_text: bool
) -> tuple[str, discord.Embed]:
    """(content, embed). The content is the code alone, so a long-press copies exactly the code."""
    fields: list[tuple[str, str]] = [(t(locale, "feedback.sent.code"), f"`{result.code}`")]
    note = masked_note(locale, result.text)
    if show_text:
        fields.append((t(locale, "feedback.sent.stored"), result.text.text))
    if note:
        fields.append((t(locale, "feedback.preview.note"), note))
    embed = make_embed(
        t(locale, "feedback.sent.title"),
        tn(locale, "feedback.sent.body", settings.min_batch, min_batch=settings.min_batch),
        colour=Colour.SUCCESS,
        fields=fields,
        footer=t(locale, "feedback.sent.retract"),
    )
    return f"`{result.code}`", embed


# -- /feedback give ----------------------------------------------------------------------------------
class GiveModal(BaseModal):
    """The form behind ``/feedback give``; ``on_done`` stores the text and answers privately."""

    def __init__(
        self,
        locale: object,
        max_length: int,
        on_done: Callable[[discord.Interaction, str], Awaitable[None]],
    ) -> None:
        super().__init__(
            title=t(locale, "feedback.give.title"),
            custom_id=instance_id("fb", "give"),
            timeout=FORM_TIMEOUT,
        )
        self.text: discord.ui.TextInput[GiveModal] = discord.ui.TextInput(
            label=t(locale, "feedback.give.label"),
            custom_id="text",
            style=discord.TextStyle.paragraph,
            placeholder=t(locale, "feedback.give.placeholder"),
            max_length=min(max_length, 4000),
            required=True,
        )
        self.add_item(self.text)
        self._on_done = on_done

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await self._on_done(interaction, self.text.value or "")


# -- /feedback privacy -------------------------------------------------------------------------------
def privacy_embed(locale: object, settings: FeedbackSettings) -> discord.Embed:
    parts = [
        t(locale, "feedback.privacy.kept"),
        t(locale, "feedback.privacy.not_kept"),
        tn(locale, "feedback.privacy.release", settings.min_batch, min_batch=settings.min_batch),
        tn(locale, "feedback.privacy.retention", settings.retention_days, retention_days=settings.retention_days),
        t(locale, "feedback.privacy.limit", per_day=settings.per_day),
        t(locale, "feedback.privacy.files"),
        t(locale, "feedback.privacy.people"),
        t(locale, "feedback.privacy.caveat"),
        t(locale, "feedback.privacy.how"),
    ]
    return make_embed(t(locale, "feedback.privacy.title"), "\n\n".join(parts), colour=Colour.INFO)


# -- /feedback review --------------------------------------------------------------------------------
def review_pages(locale: object, batches: list[ReleasedBatch]) -> list[list[discord.Embed]]:
    """One embed per item, grouped into messages. The text is shown as typed: markdown is escaped, so an
    anonymous item cannot dress up as a link, a header or a line from the bot; a text that escaping makes
    longer than an embed holds continues in the next embed rather than being cut."""
    embeds = []
    for index, batch in enumerate(batches):
        footer = t(locale, "feedback.review.title", number=batch.number, week=batch.week)
        colour = Colour.INFO if index % 2 == 0 else Colour.NEUTRAL
        for item in batch.items:
            title = t(locale, "feedback.review.item", topic=topic_label(locale, item.topic), week=item.week)
            pieces = escaped_pieces(item.text, DESCRIPTION_LIMIT - 100)
            for number, piece in enumerate(pieces):
                last = number == len(pieces) - 1
                embeds.append(
                    make_embed(title if number == 0 else None, piece, colour=colour, footer=footer if last else None)
                )
    return group_embeds(embeds)


class ReviewPager(OwnedView):
    """Previous / Next through the review pages; only the member who asked may turn them."""

    def __init__(self, owner_id: int, locale: object, header: str, pages: list[list[discord.Embed]]) -> None:
        super().__init__(owner_id, locale=locale)
        self.header = header
        self.pages = pages
        self.index = 0
        # The same words as the lead pagers, in the reader's language.
        self.previous.label = t(locale, "lead.button.previous")
        self.next.label = t(locale, "lead.button.next")
        self._sync()

    def content(self) -> str:
        page = t(self.locale, "feedback.review.page", page=self.index + 1, pages=len(self.pages))
        return f"{self.header}\n{page}"

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync()
        await interaction.response.edit_message(content=self.content(), embeds=self.pages[self.index], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.index + 1)
