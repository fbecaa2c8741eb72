"""A no-op slash command: the floor every other figure is compared with (same bot/sim path)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands


class Noop(commands.Cog):
    @app_commands.command(name="noop", description="Answer at once, doing nothing")
    async def noop(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Noop())
