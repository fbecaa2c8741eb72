"""The setup wizard: from the bot token to a written config, asking by name in a terminal or reading
the flags, creating what is missing when the bot may and saying what to create by hand when it may not
(what is done with the picks: ``_plan``)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import discord
from discord.http import HTTPClient

from bot.errors import ConfigError
from bot.setup import _config, _guild, _plan
from bot.setup import _text as say
from bot.setup._guild import GuildState, Server
from bot.setup._names import Kind, Named, bare, find, listing, shown, sorted_by_name
from bot.setup._plan import Pick
from bot.setup._slots import SLOTS, Slot
from bot.ui.respond import SEND_ERRORS, failure

#: Longest channel or role name Discord takes (resources/guild#create-guild-channel-json-params and
#: #create-guild-role-json-params).
MAX_NAME = 100


class SetupError(Exception):
    """Why setup stopped, in one message for the admin, and the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SetupOptions:
    config: Path = Path("config.yaml")
    token_env: str = "DISCORD_TOKEN"
    #: The server's name (or id); None: ask, or the only server the bot is in.
    guild: str | None = None
    #: Slot key (``channels.leads``) -> the name given on the command line.
    names: Mapping[str, str] = field(default_factory=dict)
    create_missing: bool = False
    yes: bool = False
    force: bool = False


@dataclass(frozen=True)
class Terminal:
    """Where the wizard writes and, when there is a terminal, what it asks with (``input``)."""

    out: Callable[[str], None] = print
    err: Callable[[str], None] = lambda line: print(line, file=sys.stderr)
    ask: Callable[[str], str] | None = None


async def run_setup(
    options: SetupOptions,
    terminal: Terminal,
    *,
    http: HTTPClient | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """``partnerbot setup``: the exit code (0 written; 2 a problem the admin can fix; 1 Discord failed).
    ``http``: discord.py's REST client to use (tests pass bot/sim's); by default one made here."""
    wizard = _Wizard(options, terminal, os.environ if environ is None else environ)
    try:
        return await wizard.run(http)
    except SetupError as error:
        terminal.err(str(error))
        return error.code


class _Wizard:
    def __init__(self, options: SetupOptions, terminal: Terminal, environ: Mapping[str, str]) -> None:
        self.options = options
        self.terminal = terminal
        self.environ = environ
        #: What was created in Discord so far (said if a later call fails).
        self.created: list[str] = []

    @property
    def interactive(self) -> bool:
        return self.terminal.ask is not None

    # -- the whole run ---------------------------------------------------------------------------------
    async def run(self, http: HTTPClient | None) -> int:
        target = self.options.config
        example = self._check_start(target)
        token = self.environ.get(self.options.token_env)
        if not token:
            raise SetupError(say.NO_TOKEN.format(env=self.options.token_env))
        if not self.interactive:
            needed = [s.flag for s in SLOTS if not s.optional and s.key not in self.options.names]
            if needed:
                raise SetupError(say.NO_TERMINAL.format(flags=", ".join(f"{f} NAME" for f in needed)))
        client = http or HTTPClient(asyncio.get_running_loop())
        try:
            values = await self._talk(client, token)
        except discord.LoginFailure:
            raise SetupError(say.REJECTED.format(env=self.options.token_env)) from None
        except discord.HTTPException as error:
            if error.status == 401:
                raise SetupError(say.REJECTED.format(env=self.options.token_env)) from None
            if error.status >= 500:
                raise SetupError(self._so_far(say.UNREACHABLE.format(why=failure(error))), 1) from None
            raise SetupError(self._so_far(say.REFUSED.format(why=failure(error), text=error.text or "")), 1) from None
        except SEND_ERRORS as error:
            detail = " ".join(str(error).split())
            why = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
            raise SetupError(self._so_far(say.UNREACHABLE.format(why=why)), 1) from None
        finally:
            if http is None:
                await client.close()
        try:
            text = _config.render(example, values, target)
        except (ConfigError, _config.ExampleChanged) as error:
            problems = error.problems if isinstance(error, ConfigError) else [str(error)]
            raise SetupError(self._so_far("; ".join(problems) + f". {say.NOT_WRITTEN}"), 1) from None
        _config.write(target, text)
        self.terminal.out(say.WROTE.format(path=target))
        return 0

    def _check_start(self, target: Path) -> str:
        """Refuse early what needs no Discord: an existing file, a missing folder; the example's text."""
        if target.is_dir():
            raise SetupError(say.FOLDER.format(path=target))
        if target.exists() and not self.options.force:
            raise SetupError(say.EXISTS.format(path=target))
        if not target.resolve().parent.is_dir():
            raise SetupError(say.NO_FOLDER.format(folder=target.resolve().parent))
        try:
            example = _config.EXAMPLE.read_text(encoding="utf-8")
        except OSError as error:
            raise SetupError(say.NO_EXAMPLE.format(path=_config.EXAMPLE, error=error.strerror or error), 1) from None
        return example

    def _so_far(self, message: str) -> str:
        return message + (say.CREATED_SO_FAR.format(things=", ".join(self.created)) if self.created else "")

    async def _talk(self, http: HTTPClient, token: str) -> dict[str, int | str | Path | None]:
        """Everything that asks Discord: log in, pick, create. The config's values."""
        me = await http.static_login(token)
        bot_id = int(me["id"])
        server = self._server(await _guild.list_servers(http), bot_id)
        state = await _guild.load(http, server, bot_id, str(me.get("username") or bot_id))
        self.terminal.out(f"Server: {state.name}")
        asked = [s for s in SLOTS if not s.optional and s.key not in self.options.names]
        picks = {slot.key: self._pick(slot, state, ask_members=bool(asked)) for slot in SLOTS}
        for warning in _plan.exposure_warnings(state, picks):
            self.terminal.out(warning)
        new = [p for p in picks.values() if p.new is not None]
        lacking = sorted({p.slot.kind for p in new if not state.may_create(p.slot.kind)})
        if lacking:
            what = " or ".join(f"{k}s" for k in lacking)
            permissions = " and ".join("Manage Channels" if k == "channel" else "Manage Roles" for k in lacking)
            reason = say.CANNOT_CREATE.format(what=what, server=state.name, permissions=permissions)
            raise SetupError(_plan.by_hand(state, picks, reason))
        if self.interactive and not self.options.yes:
            self.terminal.out("")
            for pick in picks.values():
                self.terminal.out(f"  {pick.slot.title:<22} {pick.display()}")
            question = f"{'Create what is new and write' if new else 'Write'} {self.options.config}?"
            if not self._confirm(question):
                raise SetupError(_plan.by_hand(state, picks, say.NOT_WRITTEN) if new else say.CANCELLED)
        await _plan.create(http, state, picks, created=self.created, out=self.terminal.out)
        if any(p.slot.kind == "role" for p in new):
            self.terminal.out(say.GIVE_ROLES)
        values: dict[str, int | str | Path | None] = {"guild_id": state.id, "token_env": self.options.token_env}
        for key, pick in picks.items():
            values[key] = pick.existing.id if pick.existing is not None else None
        return values

    # -- the server ------------------------------------------------------------------------------------
    def _server(self, servers: list[Server], bot_id: int) -> Server:
        if not servers:
            raise SetupError(say.NO_SERVERS.format(bot_id=bot_id))
        named = [s.named for s in servers]
        by_id = {s.id: s for s in servers}
        if self.options.guild is not None:
            return by_id[self._one("--guild", "server", self.options.guild, named, "the bot's servers").id]
        if len(servers) == 1:
            return servers[0]
        if not self.interactive:
            servers_listed = listing("server", sorted_by_name(named))
            raise SetupError(say.SEVERAL_SERVERS.format(count=len(servers), servers=servers_listed))
        self.terminal.out("Servers the bot is in:")
        ordered = sorted_by_name(named)
        for number, server in enumerate(ordered, 1):
            self.terminal.out(f"  {number}. {server.name}")
        while True:
            answer = self._ask("Server (number or name): ").strip()
            if answer.isdigit() and 1 <= int(answer) <= len(ordered):
                return by_id[ordered[int(answer) - 1].id]
            found = find("server", answer, named) if answer else []
            if len(found) == 1:
                return by_id[found[0].id]
            self.terminal.out(self._mismatch("", "server", answer, named, found, "the bot's servers", ""))

    # -- channels and roles ----------------------------------------------------------------------------
    def _pick(self, slot: Slot, state: GuildState, *, ask_members: bool) -> Pick:
        name = self.options.names.get(slot.key)
        if name is not None:
            return self._from_flag(slot, state, name)
        if slot.optional and not (self.interactive and ask_members):
            return Pick(slot)
        return self._ask_pick(slot, state)

    def _things(self, slot: Slot, state: GuildState) -> list[Named]:
        return list(state.channels if slot.kind == "channel" else state.roles)

    def _from_flag(self, slot: Slot, state: GuildState, name: str) -> Pick:
        things = self._things(slot, state)
        found = find(slot.kind, name, things)
        if len(found) == 1:
            return Pick(slot, existing=found[0])
        if found or slot.optional or not self.options.create_missing:
            hint = "" if slot.optional else " (--create-missing creates it)"
            raise SetupError(self._mismatch(slot.flag, slot.kind, name, things, found, state.name, hint))
        return Pick(slot, new=self._new_name(slot.flag, slot.kind, name))

    def _one(self, flag: str, kind: Kind, name: str, among: list[Named], place: str) -> Named:
        found = find(kind, name, among)
        if len(found) != 1:
            raise SetupError(self._mismatch(flag, kind, name, among, found, place, ""))
        return found[0]

    @staticmethod
    def _mismatch(
        flag: str, kind: Kind, name: str, among: list[Named], found: list[Named], place: str, hint: str
    ) -> str:
        """One line: the candidates ``name`` matches (several), or every one there is (none)."""
        what = {"server": "server", "channel": "text channel", "role": "role"}[kind]
        subject = f'{flag} "{name}"' if flag else f'"{name}"'
        if found:
            return say.AMBIGUOUS.format(
                subject=subject, count=len(found), whats=f"{what}s", listing=listing(kind, found, ids=True)
            )
        return say.UNKNOWN.format(
            subject=subject, what=what, place=place, whats=f"{what}s", listing=listing(kind, among), hint=hint
        )

    @staticmethod
    def _new_name(flag: str, kind: Kind, name: str) -> str:
        name = bare(kind, name)
        if not 1 <= len(name) <= MAX_NAME:
            raise SetupError(say.TOO_LONG.format(subject=f"{flag} {shown(kind, name)}", limit=MAX_NAME))
        return name

    def _ask_pick(self, slot: Slot, state: GuildState) -> Pick:
        kind, things = slot.kind, self._things(slot, state)
        self.terminal.out("")
        self.terminal.out(f"{slot.title.capitalize()}: {slot.purpose}.")
        for index, thing in enumerate(things, 1):
            self.terminal.out(f"  {index}. {shown(kind, thing.name)}")
        last = len(things) + 1
        if slot.suggested is None:
            self.terminal.out(f"  {last}. none: everyone in the server counts as a member")
        else:
            how = "the bot creates it" if state.may_create(kind) else "you create it by hand"
            self.terminal.out(f"  {last}. a new {kind}, {shown(kind, slot.suggested)} by default ({how})")
        default = self._default(slot, things) or last
        while True:
            answer = self._ask(f"Number or name [{default}]: ").strip()
            number: int | None = default
            if answer:
                number = int(answer) if answer.isdigit() and 1 <= int(answer) <= last else None
            if number is not None:
                if number < last:
                    return Pick(slot, existing=things[number - 1])
                if slot.suggested is None:
                    return Pick(slot)
                return self._ask_new(slot, state, things)
            found = find(kind, answer, things)
            if len(found) == 1:
                return Pick(slot, existing=found[0])
            if found or slot.suggested is None:
                self.terminal.out(self._mismatch("", kind, answer, things, found, state.name, ""))
                continue
            name = bare(kind, answer)
            if len(name) > MAX_NAME:
                self.terminal.out(say.TOO_LONG.format(subject=shown(kind, name), limit=MAX_NAME))
                continue
            if self.options.create_missing or self._confirm(
                f"There is no {shown(kind, name)}. Add it as a new {kind}?"
            ):
                return Pick(slot, new=name)

    def _ask_new(self, slot: Slot, state: GuildState, things: list[Named]) -> Pick:
        while True:
            answer = self._ask(f"Name of the new {slot.kind} [{slot.suggested}]: ").strip() or slot.suggested or ""
            name = bare(slot.kind, answer)
            if not 1 <= len(name) <= MAX_NAME:
                self.terminal.out(f"A name is 1 to {MAX_NAME} characters.")
                continue
            found = find(slot.kind, name, things)
            if len(found) == 1:
                self.terminal.out(f"{shown(slot.kind, found[0].name)} already exists: using it.")
                return Pick(slot, existing=found[0])
            return Pick(slot, new=name)

    @staticmethod
    def _default(slot: Slot, things: list[Named]) -> int | None:
        """The number of an existing channel or role that looks meant for ``slot``."""
        if slot.suggested is None:
            return None
        for name in (slot.suggested, slot.key.split(".")[1].replace("_", " ")):
            found = find(slot.kind, name, things)
            if len(found) == 1:
                return things.index(found[0]) + 1
        return None

    def _ask(self, prompt: str) -> str:
        assert self.terminal.ask is not None
        try:
            return self.terminal.ask(prompt)
        except EOFError:
            raise SetupError(say.CANCELLED) from None

    def _confirm(self, question: str) -> bool:
        if self.options.yes:
            return True
        while True:
            answer = self._ask(f"{question} [Y/n] ").strip().casefold()
            if answer in ("", "y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
