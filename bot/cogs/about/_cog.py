"""The `/about` command, and the check at start that the private channels are private."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.cogs.about._audience import exposures_embed, find_exposures, log_exposures
from bot.i18n import t
from bot.services.access import Access
from bot.ui import respond
from bot.ui.embeds import Colour, make_embed
from bot.ui.permissions import asked_in_dms, caller_access, declared_access, requires

if TYPE_CHECKING:
    from bot.app import PartnerBot


def visible_commands(
    tree: app_commands.CommandTree, access: Access, guild: discord.abc.Snowflake | None = None
) -> list[str]:
    """Every command path (``/lead add``) a caller with ``access`` may run, from the level each command
    declares and enforces (:func:`bot.ui.permissions.requires`; a command declaring none inherits its
    group's, or member)."""
    paths: list[str] = []

    def walk(command: app_commands.Command | app_commands.Group, prefix: str, inherited: Access) -> None:
        needed = declared_access(command)
        needed = inherited if needed is None else needed
        if isinstance(command, app_commands.Group):
            for child in command.commands:
                walk(child, f"{prefix}{command.name} ", needed)
        elif access >= needed:
            paths.append(f"/{prefix}{command.name}")

    # Commands for the configured server only are registered there, the DM-capable ones for everyone.
    everywhere = tree.get_commands()
    here = tree.get_commands(guild=guild) if guild is not None else []
    for command in [*everywhere, *here]:
        if isinstance(command, app_commands.Command | app_commands.Group):
            walk(command, "", Access.MEMBER)
    return sorted(set(paths))


class AboutCog(commands.Cog):
    def __init__(self, bot: PartnerBot) -> None:
        self.bot = bot
        self._audience_checked = False

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Once: READY comes again after a reconnect, and the log has said it by then.
        if not self._audience_checked:
            self._audience_checked = True
            log_exposures(await find_exposures(self.bot))

    # Anyone may ask; in a DM the check asks Discord for the membership (acknowledging first).
    @requires(Access.NONE, lookup=asked_in_dms)
    @app_commands.command(name="about", description="What this bot is for and what you can do with it")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def about(self, interaction: discord.Interaction) -> None:
        access = caller_access(interaction)
        exposures = []
        if access >= Access.WORKING_GROUP:
            if not interaction.response.is_done():
                # Acknowledge first: the check may ask Discord for the members an overwrite names.
                await interaction.response.defer(ephemeral=True)
            exposures = await find_exposures(self.bot) or []
        loc = interaction.locale
        server = self.bot.home
        commands_list = visible_commands(self.bot.tree, access, server) or ["/about", "/feedback privacy"]
        embed = make_embed(
            t(loc, "about.title", version=__version__),
            t(loc, "about.body"),
            colour=Colour.INFO,
            fields=[(t(loc, "about.commands"), "\n".join(commands_list))],
            footer=t(loc, "about.privacy"),
        )
        # Only the working group learns where the private channels leak (the reply is private).
        extra = [exposures_embed(loc, exposures)] if exposures else []
        await respond(interaction, embeds=[embed, *extra])
