"""The update modal and the embeds an update is shown with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.i18n import t
from bot.services.access import Access
from bot.services.updates import BODY_LIMIT, TITLE_LIMIT, Update
from bot.ui.embeds import Colour, make_embed, pack_entries, truncate
from bot.ui.views import BaseModal

#: Discord's limits: a modal title and a thread name.
MODAL_TITLE_LIMIT = 45
THREAD_NAME_LIMIT = 100

Submit = Callable[[discord.Interaction, str, str, str], Awaitable[None]]


class UpdateModal(BaseModal):
    """Title, body and link of a new update; what happens on submit is the cog's ``submit``."""

    access = Access.WORKING_GROUP  # checked again when it comes back: the role may have gone meanwhile

    def __init__(self, *, locale: object, area: str | None, submit: Submit) -> None:
        title = t(locale, "update.modal_title_area", area=area) if area else t(locale, "update.modal_title")
        super().__init__(title=truncate(title, MODAL_TITLE_LIMIT), timeout=1800)
        self._submit = submit
        self.title_input: discord.ui.TextInput[UpdateModal] = discord.ui.TextInput(
            label=t(locale, "update.field.title"), custom_id="title", max_length=TITLE_LIMIT
        )
        self.body_input: discord.ui.TextInput[UpdateModal] = discord.ui.TextInput(
            label=t(locale, "update.field.body"),
            custom_id="body",
            style=discord.TextStyle.paragraph,
            max_length=BODY_LIMIT,
        )
        self.link_input: discord.ui.TextInput[UpdateModal] = discord.ui.TextInput(
            label=t(locale, "update.field.link"),
            custom_id="link",
            required=False,
            placeholder="https://",
            max_length=1000,
        )
        for item in (self.title_input, self.body_input, self.link_input):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self.title_input.value, self.body_input.value, self.link_input.value)


def update_embed(update: Update, locale: str) -> discord.Embed:
    """The announcement: the update as its author wrote it, with who posted it and the area."""
    fields: list[tuple[str, str, bool]] = [(t(locale, "update.embed.by"), f"<@{update.author_id}>", True)]
    if update.area:
        fields.append((t(locale, "update.embed.area"), update.area, True))
    embed = make_embed(
        update.title,
        update.body,
        colour=Colour.INFO,
        fields=fields,
        footer=t(locale, "update.embed.footer", id=update.id),
        url=update.link,
    )
    embed.timestamp = update.created_at
    return embed


def thread_name(update: Update) -> str:
    return truncate(" ".join(update.title.split()), THREAD_NAME_LIMIT)


def jump_url(update: Update) -> str | None:
    if update.channel_id is None or update.message_id is None:
        return None
    return f"https://discord.com/channels/{update.guild_id}/{update.channel_id}/{update.message_id}"


def list_embed(updates: list[Update], locale: object) -> discord.Embed:
    """The latest updates, newest first, each with a link to its post."""
    if not updates:
        return make_embed(t(locale, "update.list_title"), t(locale, "update.list_empty"), colour=Colour.NEUTRAL)
    entries = []
    for update in updates:
        url = jump_url(update)
        title = truncate(discord.utils.escape_markdown(" ".join(update.title.split())), 120)
        entries.append(
            t(
                locale,
                "update.list_entry",
                title=f"[{title}]({url})" if url else title,
                area=update.area or t(locale, "update.no_area"),
                when=f"<t:{int(update.created_at.timestamp())}:R>",
                state="" if url else t(locale, "update.not_posted_yet"),
            ).strip()
        )
    return make_embed(t(locale, "update.list_title"), pack_entries(entries)[0], colour=Colour.INFO)
