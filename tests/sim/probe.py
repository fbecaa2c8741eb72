"""A small extension that exercises each capability of bot/sim (loaded only by tests/sim)."""

from __future__ import annotations

import asyncio
import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotFound
from bot.services.access import Access
from bot.ui import respond
from bot.ui.respond import SEND_ERRORS
from bot.ui.views import BaseModal, GuardedDynamicItem, OwnedView


class CounterButton(GuardedDynamicItem[discord.ui.Button], template=r"pb:probe:count:(?P<n>\d+)"):
    access = Access.NONE

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"Count {n}", custom_id=f"pb:probe:count:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):
        return cls(int(match["n"]))

    async def run(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(CounterButton(self.n + 1))
        await interaction.response.edit_message(content=f"count is {self.n + 1}", view=view)


class NameModal(BaseModal, title="Your name"):
    name = discord.ui.TextInput(label="Name", max_length=20)
    note = discord.ui.TextInput(label="Note", required=False, style=discord.TextStyle.paragraph)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await respond(interaction, f"hello {self.name.value} ({self.note.value or '-'})")


class Pager(OwnedView):
    @discord.ui.button(label="Next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="page 2", view=self)


@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
class Probe(commands.GroupCog, group_name="probe"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.register_persistent(CounterButton)  # type: ignore[attr-defined]

    @app_commands.command(name="echo", description="Echo text privately")
    @app_commands.describe(text="What to echo", times="How many times", loud="Public reply", who="Someone")
    async def echo(
        self,
        interaction: discord.Interaction,
        text: str,
        times: int = 1,
        loud: bool = False,
        who: discord.User | None = None,
    ) -> None:
        suffix = f" to {who.name}" if who else ""
        await respond(interaction, " ".join([text] * times) + suffix, ephemeral=not loud)

    @app_commands.command(name="counter", description="A persistent button")
    async def counter(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(CounterButton(0))
        await interaction.response.send_message("count is 0", view=view)

    @app_commands.command(name="modal", description="Open a modal")
    async def modal(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NameModal())

    @app_commands.command(name="pager", description="An owned view")
    async def pager(self, interaction: discord.Interaction) -> None:
        await respond(interaction, "page 1", view=Pager(interaction.user.id))

    @app_commands.command(name="thread", description="Post and open a thread")
    async def thread(self, interaction: discord.Interaction, name: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send(f"topic {name}")
        thread = await message.create_thread(name=name)
        await thread.send("inside the thread")
        standalone = await channel.create_thread(name=f"{name}-private", type=discord.ChannelType.private_thread)
        await standalone.add_user(interaction.user)
        await standalone.send("private")
        await interaction.followup.send(f"threads {thread.id} {standalone.id}", ephemeral=True)

    @app_commands.command(name="dm", description="DM me")
    async def dm(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("a private word")
        except discord.Forbidden:
            await respond(interaction, "your DMs are closed")
            return
        await respond(interaction, "sent")

    @app_commands.command(name="post", description="Post in a channel")
    async def post(self, interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
        await interaction.response.defer(ephemeral=True)
        try:
            await channel.send(text)
        except discord.HTTPException as error:
            await respond(interaction, f"failed {error.status}")
            return
        except SEND_ERRORS as error:
            await respond(interaction, f"failed {type(error).__name__}")
            return
        await respond(interaction, "posted")

    @app_commands.command(name="say", description="Send what Discord may refuse")
    async def say(self, interaction: discord.Interaction, what: str, size: int) -> None:
        """``what``: content, embed (one embed of ``size`` description characters), embeds (``size`` embeds
        of 1,000 characters), thread (a thread named with ``size`` characters), file (``size`` bytes),
        or modal (a modal titled with ``size`` characters)."""
        if what == "content":
            await interaction.response.send_message("x" * size)
        elif what == "embed":
            await interaction.response.send_message(embed=discord.Embed(description="x" * size))
        elif what == "embeds":
            embeds = [discord.Embed(description="x" * 1000) for _ in range(size)]
            await interaction.response.send_message(embeds=embeds)
        elif what == "file":
            await interaction.response.defer()
            await interaction.followup.send(file=discord.File(__import__("io").BytesIO(b"x" * size), "big.bin"))
        elif what == "thread":
            await interaction.response.defer()
            await interaction.channel.create_thread(name="t" * size, type=discord.ChannelType.public_thread)
            await interaction.followup.send("started")
        elif what == "modal":
            modal = discord.ui.Modal(title="m" * size)
            modal.add_item(discord.ui.TextInput(label="Name"))
            await interaction.response.send_modal(modal)

    @app_commands.command(name="stall", description="Answer late")
    async def stall(self, interaction: discord.Interaction, seconds: float, block: bool = False) -> None:
        if block:
            time.sleep(seconds)  # noqa: ASYNC251  (a handler that holds the event loop)
        else:
            await asyncio.sleep(seconds)
        await respond(interaction, "late answer")

    @app_commands.command(name="long", description="Autocomplete with long names")
    async def long(self, interaction: discord.Interaction, pick: str) -> None:
        await respond(interaction, pick)

    @long.autocomplete("pick")
    async def _long(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name="n" * int(current or 101), value="v")]

    @app_commands.command(name="pick", description="Autocomplete")
    async def pick(self, interaction: discord.Interaction, fruit: str) -> None:
        await respond(interaction, f"picked {fruit}")

    @pick.autocomplete("fruit")
    async def _fruits(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        fruits = ["apple", "apricot", "banana"]
        return [app_commands.Choice(name=f, value=f) for f in fruits if f.startswith(current)]

    @app_commands.command(name="boom", description="Fail unexpectedly")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")

    @app_commands.command(name="refuse", description="Fail with a domain error")
    async def refuse(self, interaction: discord.Interaction) -> None:
        raise NotFound("error.not_found")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None and not message.author.bot:
            await message.channel.send(f"you said: {message.content}")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Probe(bot))
