"""A sandbox session: one line of the little command language in, what the bot did out."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord

from bot.sandbox._render import readable, render_message, render_modal
from bot.sim import Sim, SimError
from bot.sim.models import InteractionResult, SimMessage, SimModal

HELP = """\
Commands (one per line; lines starting with # are comments):
  /lead add partner:"Europeana" level:global direction:external
                         run a slash command as the current member (options as name:value, quote spaces)
  as carol               act as another member (alice, bob: working group; carol, erin: reviewers; dave: member)
  dm <text>              write to the bot in a direct message
  click "Send anonymously"   press a button on the latest message that has it
  click 2 "Next"         ... on the second latest such message
  select "Topic" partnership   choose option(s) in the latest select whose placeholder matches
  modal summary:"..." offer:"..."   fill and submit the open modal (field names or labels)
  wait 7d                let time pass (d, h, m): reviews close, digests go out
  show #digest           print a channel, a thread (show thread L-1) or a DM (show dm dave)
  locale es-ES           change the current member's Discord language (en-US, es-ES, fr, ar)
  whoami / help / quit"""

DURATION = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$")
MAX_WAIT = timedelta(days=366)  # time moves an hour per background pass


class SandboxError(Exception):
    """A line the sandbox cannot run: shown as a one-line hint."""


class Session:
    def __init__(self, sim: Sim, out: Callable[[str], None], locale: str = "en-US") -> None:
        self.sim = sim
        self.out = out
        self.user = "alice"
        self.locale = locale
        self.modal: SimModal | None = None
        self.seen = len(sim.server.messages)
        # Who each interaction answer went to: a deferred answer carries no interaction token of its own.
        self.answered: dict[int, int] = {}
        self._readable = readable(sim.server, sim.clock)

    # -- visibility -------------------------------------------------------------------------------
    def _visible(self, message: SimMessage) -> bool:
        user = self.sim.member(self.user)
        if message.ephemeral:
            owner = self.answered.get(message.id)
            if owner is None:
                record = self.sim.server.interactions.get(message.interaction_token or "")
                owner = record.user.id if record is not None else None
            return owner == user.id
        channel = self.sim.server.channels.get(message.channel_id)
        if channel is not None and channel.type == 1:
            return channel.recipient_id == user.id
        return True

    def where(self, message: SimMessage) -> str:
        channel = self.sim.server.channels.get(message.channel_id)
        if channel is None:
            return "?"
        if channel.type == 1:
            user = self.sim.server.users.get(channel.recipient_id or 0)
            return f"DM with {user.name if user else '?'}"
        if channel.is_thread:
            parent = self.sim.server.channels.get(channel.parent_id or 0)
            return f"#{parent.name if parent else '?'} › {channel.name}"
        return f"#{channel.name}"

    def render(self, message: SimMessage, *, edited: bool = False) -> str:
        author = self.sim.server.users.get(message.author_id)
        return render_message(
            message,
            self.where(message),
            edited=edited,
            author=author.name if author is not None else None,
            text=self._readable,
        )

    def _print_new(self, result: InteractionResult | None = None) -> None:
        messages = list(self.sim.server.messages.values())
        fresh = [m for m in messages[self.seen :] if not m.data.get("_loading")]
        self.seen = len(messages)
        if result is not None:
            user_id = self.sim.member(self.user).id
            for message in result.messages:
                self.answered[message.id] = user_id
                if message not in fresh:  # a deferred answer: its placeholder was counted as seen
                    fresh.append(message)
        for message in fresh:
            if self._visible(message):
                self.out(self.render(message))
        if result is not None:
            if result.updated is not None and result.updated not in fresh:
                self.out(self.render(result.updated, edited=True))
            if result.modal is not None:
                self.modal = result.modal
                self.out(render_modal(result.modal))

    def _latest_with(self, predicate: Callable[[SimMessage], bool], nth: int = 1, *, missing: str) -> SimMessage:
        found = 0
        for message in reversed(list(self.sim.server.messages.values())):
            if self._visible(message) and predicate(message):
                found += 1
                if found == nth:
                    return message
        raise SandboxError(f"{missing} (try `show #channel` to look around)")

    # -- commands ---------------------------------------------------------------------------------
    async def run_line(self, line: str) -> bool:
        """Run one line; False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        self.out(f"\n{self.user}> {line}")
        try:
            return await self._dispatch(line)
        except (SandboxError, SimError, KeyError, ValueError) as error:
            # KeyError's str() is the repr of its message; show the message itself.
            message = str(error.args[0] if isinstance(error, KeyError) and error.args else error)
            message = message.strip() or error.__class__.__name__
            self.out(f"! {message}")
            return True
        except Exception as error:  # a sandbox session never ends in a traceback
            self.out(f"! the sandbox could not run that line ({error.__class__.__name__}: {error})")
            return True

    async def _dispatch(self, line: str) -> bool:
        if line.startswith("/"):
            await self._slash(line[1:])
            return True
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        handler = {
            "as": self._as,
            "dm": self._dm,
            "click": self._click,
            "select": self._select,
            "modal": self._modal,
            "wait": self._wait,
            "show": self._show,
            "locale": self._locale,
        }.get(word.lower())
        if word.lower() in ("quit", "exit"):
            return False
        if word.lower() == "help":
            self.out(HELP)
        elif word.lower() == "whoami":
            self.out(f"{self.user} ({self.locale})")
        elif handler is None:
            raise SandboxError(f"unknown command {word!r}; type `help`")
        else:
            await handler(rest)
        return True

    @staticmethod
    def _split(text: str) -> list[str]:
        try:
            return shlex.split(text)
        except ValueError as error:
            raise SandboxError(f"could not read that line: {error}") from None

    async def _slash(self, text: str) -> None:
        words = self._split(text)
        path = [w for w in words if ":" not in w]
        options: dict[str, Any] = {}
        for token in words:
            if ":" in token:
                name, _, value = token.partition(":")
                options[name] = value
        if not path:
            raise SandboxError('say which command, e.g. /lead add partner:"Europeana" ...')
        result = await self.sim.slash(" ".join(path), user=self.user, locale=self.locale, options=options)
        self._print_new(result)

    async def _as(self, rest: str) -> None:
        name = rest.strip().lower()
        if not name:
            raise SandboxError("say who: as carol (alice, bob, carol, erin, dave)")
        self.sim.member(name)
        self.user = name
        self.out(f"(now acting as {name})")

    async def _dm(self, rest: str) -> None:
        if not rest:
            raise SandboxError("say what to write: dm <text>")
        await self.sim.dm(self.user, rest)
        self._print_new()

    async def _click(self, rest: str) -> None:
        words = self._split(rest)
        nth = 1
        if len(words) >= 2 and words[0].isdigit():  # click 2 "Next"; a lone number is a label: click 3
            nth = int(words.pop(0))
        if not words or nth < 1:
            raise SandboxError('say which button: click "Approve" (or click 2 "Next")')
        label = " ".join(words)  # quotes are optional: click Send anonymously
        message = self._latest_with(
            lambda m: m.button(label) is not None, nth, missing=f"no button {label!r} in sight for {self.user}"
        )
        result = await self.sim.click(message, label, user=self.user, locale=self.locale)
        self._print_new(result)

    async def _select(self, rest: str) -> None:
        words = self._split(rest)
        if len(words) < 2:
            raise SandboxError('say which menu and what: select "Topic" partnership')
        which, wanted = words[0].lower(), words[1:]

        def matches(comp: dict[str, Any]) -> bool:
            return which in (comp.get("placeholder") or "").lower() or which == comp.get("custom_id")

        message = self._latest_with(
            lambda m: any(matches(c) for c in m.selects), missing=f"no menu {words[0]!r} in sight for {self.user}"
        )
        comp = next(c for c in message.selects if matches(c))
        values = []
        for want in wanted:
            option = next(
                (
                    o
                    for o in comp.get("options") or []
                    if want.lower() in (o["value"].lower(), o.get("label", "").lower())
                ),
                None,
            )
            if option is None:
                choices = ", ".join(o["value"] for o in comp.get("options") or [])
                raise SandboxError(f"{want!r} is not one of: {choices}")
            values.append(option["value"])
        result = await self.sim.select(message, values, which=comp["custom_id"], user=self.user, locale=self.locale)
        self._print_new(result)

    async def _modal(self, rest: str) -> None:
        if self.modal is None:
            raise SandboxError("no modal is open: run the command that opens one first")
        values = {}
        for token in self._split(rest):
            name, sep, value = token.partition(":")
            if not sep:
                raise SandboxError(f'write fields as name:"value" (got {token!r})')
            values[self.modal.field(name).custom_id] = value
        modal, self.modal = self.modal, None
        result = await self.sim.submit(modal, values, user=self.user, locale=self.locale)
        self._print_new(result)

    async def _wait(self, rest: str) -> None:
        match = DURATION.match(rest.strip())
        if match is None:
            raise SandboxError("say how long: wait 7d, wait 3h, wait 30m")
        amount, unit = float(match.group(1)), match.group(2)
        unit_name = {"d": "days", "h": "hours", "m": "minutes"}[unit]
        total = timedelta(**{unit_name: amount})
        if total > MAX_WAIT:
            raise SandboxError(f"wait at most {MAX_WAIT.days}d at a time")
        step = timedelta(hours=1)
        while total > timedelta(0):
            move = min(step, total)
            self.sim.clock.advance(move)
            total -= move
            await self.sim.tick()
            if total > timedelta(0) and self._anything_new():
                # What the bot posted on the way is shown when it was posted ("in 3 days" reads right).
                self.out(f"({self._now()})")
                self._print_new()
        self.out(f"(it is now {self._now()})")
        self._print_new()

    def _anything_new(self) -> bool:
        fresh = list(self.sim.server.messages.values())[self.seen :]
        return any(self._visible(m) and not m.data.get("_loading") for m in fresh)

    def _now(self) -> str:
        return f"{self.sim.clock():%a %d %b %Y %H:%M} UTC"

    async def _show(self, rest: str) -> None:
        words = self._split(rest)
        if not words:
            raise SandboxError("say what: show #digest, show thread L-1, show dm dave")
        if words[0] == "dm":
            channel = self.sim.dm_channel(words[1] if len(words) > 1 else self.user)
        elif words[0] == "thread":
            channel = self.sim.thread(" ".join(words[1:]))
        else:
            channel = self.sim.channel(words[0])
        if not channel.messages:
            self.out(f"(nothing in {channel.name})")
        for message in channel.messages:
            self.out(self.render(message))

    async def _locale(self, rest: str) -> None:
        if not rest:
            raise SandboxError("say which: locale es-ES (en-US, es-ES, fr, ar)")
        wanted = rest.strip()
        try:
            discord.Locale(wanted)
        except ValueError:
            if wanted != "ar":
                raise SandboxError(f"{wanted!r} is not a Discord language; try en-US, es-ES, fr, ar") from None
            # Discord clients offer no Arabic: on a real server members read Arabic through the server's
            # `locale`. The sandbox can still hand the bot an interaction in "ar" to show the translation.
            self.out("(Discord has no Arabic client language; the sandbox simulates one)")
        self.locale = wanted
        self.out(f"({self.user} now uses {self.locale})")
