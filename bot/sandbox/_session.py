"""A sandbox session: one line of the little command language in, what the bot did out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord

from bot.i18n import LANGUAGES
from bot.i18n.dates import format_when
from bot.sandbox import _labels
from bot.sandbox._commands import Catalog, CommandError, did_you_mean, spoken
from bot.sandbox._language import DURATION, HELP, IN_PLACE, MAX_WAIT, WORDS, SandboxError, split
from bot.sandbox._places import PlaceError, Places
from bot.sandbox._screen import Screen
from bot.sim import Sim, SimError
from bot.sim.models import InteractionResult, SimChannel, SimMessage, SimModal, SimUser


class Session:
    def __init__(self, sim: Sim, out: Callable[[str], None], locale: str = "en-US", *, echo: bool = True) -> None:
        self.sim = sim
        self.out = out
        #: Whether each line is repeated after its prompt (a script's transcript); at the prompt it is on screen.
        self.echo = echo
        self.user = "alice"
        self.locale = locale
        self.modal: SimModal | None = None
        self.places = Places(sim)
        self.screen = Screen(sim, out, self.places, lambda: self.locale)
        self.catalog = Catalog(sim.bot.tree, sim.guild_id)
        #: Where `in PLACE ...` runs its line (None: slash commands in #general, clicks anywhere in sight).
        self._place: SimChannel | None = None

    @property
    def member(self) -> SimUser:
        return self.sim.member(self.user)

    def _print_new(self, result: InteractionResult | None = None) -> None:
        modal = self.screen.print_new(self.member, result)
        if modal is not None:
            self.modal = modal

    def _latest_with(self, predicate: Callable[[SimMessage], bool], nth: int = 1, *, missing: str) -> SimMessage:
        message = self.screen.latest_with(self.member, predicate, nth, self._place)
        if message is not None:
            return message
        if self._place is not None:
            raise SandboxError(f"{missing} in {self.places.where(self._place)}")
        raise SandboxError(f"{missing} (try `show #channel` to look around)")

    # -- commands ---------------------------------------------------------------------------------
    async def run_line(self, line: str) -> bool:
        """Run one line; False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        self.out(f"\n{self.user}> {line}" if self.echo else "")
        try:
            return await self._dispatch(line)
        except (SandboxError, CommandError, PlaceError, SimError, KeyError, ValueError) as error:
            # KeyError's str() is the repr of its message; show the message itself.
            message = str(error.args[0] if isinstance(error, KeyError) and error.args else error)
            self.out(f"! {message.strip() or error.__class__.__name__}")
            return True
        except Exception as error:  # a sandbox session never ends in a traceback
            self.out(f"! the sandbox could not run that line ({error.__class__.__name__}: {error})")
            return True

    async def _dispatch(self, line: str) -> bool:
        if line.startswith("/"):
            await self._slash(line[1:])
            return True
        word, _, rest = line.partition(" ")
        word, rest = word.lower(), rest.strip()
        handler = {
            "as": self._as,
            "dm": self._dm,
            "click": self._click,
            "select": self._select,
            "modal": self._modal,
            "wait": self._wait,
            "show": self._show,
            "locale": self._locale,
            "in": self._in,
            "help": self._help,
        }.get(word)
        if word in ("quit", "exit"):
            return False
        if word == "whoami":
            self.out(f"{self.user} ({self.locale})")
        elif handler is not None:
            await handler(rest)
        elif word in self.catalog.top_level:
            raise SandboxError(f"slash commands start with a /: /{line}")
        else:
            hint = did_you_mean(word, WORDS)
            raise SandboxError(f"unknown command {word!r}.{hint} Type `help` for the list.")
        return True

    async def _help(self, rest: str) -> None:
        if not rest:
            self.out("\n".join([*self.catalog.listing(), "", HELP]))
            return
        words = rest.lstrip("/").split()
        if rest.startswith("/") or words[0] in self.catalog.top_level:
            found = self.catalog.resolve(words)
            lines = self.catalog.group_listing(found) if isinstance(found, str) else found.detail()
            self.out("\n".join(lines))
            return
        about = [line for line in HELP.splitlines() if line.startswith(f"  {words[0]} ")]
        if not about:
            hint = did_you_mean(words[0], [*WORDS, *(f"/{c}" for c in self.catalog.top_level)])
            raise SandboxError(f"there is no help on {words[0]!r}.{hint} Type `help` for everything.")
        self.out("\n".join(about))

    async def _slash(self, text: str) -> None:
        path: list[str] = []
        given: dict[str, str] = {}
        for token in split(text):
            name, sep, value = token.partition(":")
            if not sep or not name:
                if given:  # a word after the options: most often a value with spaces and no quotes
                    raise SandboxError(
                        f"{token!r} is not an option: write options as name:value, and put a value with "
                        f'spaces in quotes, like partner:"Europeana Foundation".'
                    )
                path.append(token)
            elif name in given:
                raise SandboxError(f"{name}: is given twice.")
            else:
                given[name] = value
        place = self._place
        dm = place is not None and place.type == 1
        found = self.catalog.resolve(path, dm=dm)
        if isinstance(found, str):
            # As Discord's picker does after /lead: the group's commands, nothing sent to the bot.
            self.out("\n".join(self.catalog.group_listing(found)))
            return
        options = found.values(given)
        result = await self.sim.slash(
            found.path, user=self.user, channel=place, dm=dm, locale=self.locale, options=options
        )
        self._print_new(result)

    async def _in(self, rest: str) -> None:
        match = IN_PLACE.fullmatch(rest)
        if match is None:
            raise SandboxError("say where and what: in thread L-1 /checklist status, in dm /feedback privacy")
        where, line = match.groups()
        user = self.member
        if where == "dm":
            place = self.places.dm(user)
        elif where.startswith("#"):
            place = self.places.channel(where)
        else:
            place = await self.places.thread(where.split(None, 1)[1].strip("\"'"))
        if not self.places.can_view(user, place):
            raise SandboxError(f"{self.user} cannot see {self.places.where(place)}, so cannot run anything there.")
        first = line.split(None, 1)[0].lower()
        if not line.startswith("/") and first not in ("click", "select"):
            raise SandboxError(f"`in` runs a slash command, a click or a select there, like: in {where} /lead list")
        self._place = place
        try:
            await self._dispatch(line)
        finally:
            self._place = None

    async def _as(self, rest: str) -> None:
        name = rest.strip().lower()
        if not name:
            raise SandboxError("say who: as carol (alice, bob, carol, erin, dave)")
        self.user = self._member(name)
        self.out(f"(now acting as {name})")

    async def _dm(self, rest: str) -> None:
        if not rest:
            raise SandboxError("say what to write: dm <text>")
        await self.sim.dm(self.user, rest)
        self._print_new()

    async def _click(self, rest: str) -> None:
        words = split(rest)
        nth = 1
        if len(words) >= 2 and words[0].isdigit():  # click 2 "Next"; a lone number is a label: click 3
            nth = int(words.pop(0))
        if not words or nth < 1:
            raise SandboxError('say which button: click "Approve" (or click 2 "Next")')
        label = " ".join(words)  # quotes are optional: click Send anonymously
        # The label as the bot wrote it (in the member's language) or in English, as a script has it.
        message = self._latest_with(
            lambda m: _button(m, label) is not None, nth, missing=f"no button {label!r} in sight for {self.user}"
        )
        button = _button(message, label) or {}
        result = await self.sim.click(message, button.get("custom_id") or label, user=self.user, locale=self.locale)
        self._print_new(result)

    async def _select(self, rest: str) -> None:
        words = split(rest)
        if len(words) < 2:
            raise SandboxError('say which menu and what: select "Topic" partnership')
        which, wanted = words[0].lower(), words[1:]

        def matches(comp: dict[str, Any]) -> bool:
            return _labels.contains(which, comp.get("placeholder")) or which == comp.get("custom_id")

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
                    if want.lower() == o["value"].lower() or _labels.matches(want, o.get("label"))
                ),
                None,
            )
            if option is None:
                choices = [o["value"] for o in comp.get("options") or []]
                hint = did_you_mean(want, choices)
                raise SandboxError(f"{want!r} is not one of {spoken(choices, conjunction='or')}.{hint}")
            values.append(option["value"])
        result = await self.sim.select(message, values, which=comp["custom_id"], user=self.user, locale=self.locale)
        self._print_new(result)

    async def _modal(self, rest: str) -> None:
        if self.modal is None:
            raise SandboxError("no modal is open: run the command that opens one first")
        values = {}
        for token in split(rest):
            name, sep, value = token.partition(":")
            if not sep:
                raise SandboxError(f'write fields as name:"value" (got {token!r})')
            try:
                values[self.modal.field(name).custom_id] = value
            except KeyError:
                fields = [f.custom_id for f in self.modal.fields]
                hint = did_you_mean(name, fields, "{}:")
                raise SandboxError(
                    f"modal {self.modal.title!r} has no field {name!r}; its fields are {spoken(fields)}.{hint}"
                ) from None
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
            if total > timedelta(0) and self.screen.anything_new(self.member):
                # What the bot posted on the way is printed as read when it was posted ("in 3 days" reads
                # right); `show` later words the same times against its own now.
                self.out(f"({self._now()})")
                self._print_new()
        self.out(f"(it is now {self._now()})")
        self._print_new()

    def _now(self) -> str:
        return format_when(self.sim.clock(), self.locale)

    async def _show(self, rest: str) -> None:
        words = split(rest)
        if not words:
            raise SandboxError("say what: show #digest, show thread L-1, show dm dave")
        channel: SimChannel
        if words[0] == "dm":
            channel = self.sim.dm_channel(self._member(words[1].lower() if len(words) > 1 else self.user))
        elif words[0] == "thread":
            channel = await self.places.thread(" ".join(words[1:]))
        else:
            channel = self.places.channel(" ".join(words))
        where = self.places.where(channel)
        if not channel.messages:
            self.out(f"(nothing in {where})")
            return
        count = len(channel.messages)
        self.out(f"({where} as of {self._now()}: {count} message{'s' if count != 1 else ''})")
        for message in channel.messages:
            self.out(self.screen.render(message, dated=True))

    def _member(self, name: str) -> str:
        members = [u.name for u in self.sim.server.users.values()]
        if name not in members:
            hint = did_you_mean(name, members)
            raise SandboxError(f"no user named {name!r}; the members are {spoken(sorted(members))}.{hint}")
        return name

    async def _locale(self, rest: str) -> None:
        if not rest:
            raise SandboxError(f"say which: locale es-ES ({', '.join(supported_locales())})")
        wanted = check_locale(rest.strip())
        if wanted == "ar":
            # Discord clients offer no Arabic: on a real server members read Arabic through the server's
            # `locale`. The sandbox can still hand the bot an interaction in "ar" to show the translation.
            self.out("(Discord has no Arabic client language; the sandbox simulates one)")
        self.locale = wanted
        self.out(f"({self.user} now uses {self.locale})")


def _button(message: SimMessage, label: str) -> dict[str, Any] | None:
    """The button of ``message`` that ``label`` names: its label in the bot's words or in English, or its id."""
    exact = message.button(label)
    if exact is not None:
        return exact
    for comp in message.components:
        for inner in comp.get("components") or [comp]:
            if inner.get("type") == 2 and _labels.matches(label, inner.get("label")):
                return inner
    return None


def supported_locales() -> list[str]:
    """The Discord locales whose language the bot ships (en-US, en-GB, es-ES, es-419, fr, ...), and ar."""
    codes = [locale.value for locale in discord.Locale if locale.value.split("-")[0] in LANGUAGES]
    return [*codes, *(lang for lang in LANGUAGES if lang not in codes and f"{lang}-" not in " ".join(codes))]


def check_locale(wanted: str) -> str:
    """``wanted`` as the sandbox's locale, or a hint listing the supported ones: a Discord locale the bot
    has a translation for (any other would quietly read English), or ``ar``, which Discord lacks."""
    supported = supported_locales()
    for code in supported:
        if code.lower() == wanted.lower():
            return code
    try:
        discord.Locale(wanted)
        problem = f"the bot has no translation for {wanted!r}"
    except ValueError:
        problem = f"{wanted!r} is not a Discord language"
    raise SandboxError(f"{problem}; the supported locales are {', '.join(supported)}")
