"""The bot's slash commands as the sandbox knows them, read from the bot's own command tree: for `help`, for
the subcommand list Discord's picker shows after `/lead`, and for refusing (with a suggestion) what a
Discord client would not let a member send."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.services.access import Access
from bot.ui.permissions import declared_access

#: Who a command is for, as `help` marks it (members' and everyone's commands are unmarked).
ACCESS_NOTES = {Access.WORKING_GROUP: "working group", Access.REVIEWER: "reviewers"}
NUMBERS = (discord.AppCommandOptionType.integer.value, discord.AppCommandOptionType.number.value)
BOOLEAN = discord.AppCommandOptionType.boolean.value
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")  # as bot/sim reads a boolean
USAGE_WIDTH = 44  # `help` puts a description beside a usage this short, below a longer one


class CommandError(Exception):
    """A slash command line a Discord client would not send: the message is one sentence for the member."""


def spoken(items: Sequence[str], *, conjunction: str = "and") -> str:
    """``a, b and c``: a list as a sentence says it."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` most likely misspells (difflib), or None when nothing is close."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if found:
        return lowered[found[0]]
    prefixed = [c for c in pool if c.lower().startswith(word.lower())] if word else []
    return prefixed[0] if len(prefixed) == 1 else None


def did_you_mean(word: str, candidates: Iterable[str], show: str = "{}") -> str:
    """`` Did you mean /lead add?`` (with a leading space), or nothing when no candidate is close."""
    match = closest(word, candidates)
    return f" Did you mean {show.format(match)}?" if match is not None else ""


def _quoted(value: str) -> str:
    return f'"{value}"' if not value or any(c.isspace() for c in value) else value


def _with_note(description: str, access: Access) -> str:
    """A command's description, with who it is for when it does not say so itself."""
    note = ACCESS_NOTES.get(access)
    return f"{description} ({note})" if note and note not in description else description


@dataclass(frozen=True)
class Option:
    name: str
    description: str
    required: bool
    #: (shown name, value sent) of each choice; empty when any value may be typed.
    choices: tuple[tuple[str, str], ...] = ()
    #: Whether the bot suggests values while the member types (autocomplete).
    suggests: bool = False
    #: Discord's option type (``AppCommandOptionType``: text, integer, boolean, number...) and a number's bounds.
    kind: int = discord.AppCommandOptionType.string.value
    min_value: float | None = None
    max_value: float | None = None

    @property
    def usage(self) -> str:
        return f"{self.name}:…" if self.required else f"[{self.name}:…]"

    def value(self, command: str, given: str) -> str:
        """The value a client would send for ``given``: a choice is picked by its value or its shown name,
        and a number or a true/false is what a client lets a member type."""
        if self.kind in NUMBERS:
            self._number(command, given)
        if self.kind == BOOLEAN and given.lower() not in TRUE + FALSE:
            raise CommandError(f"{self.name}: takes true or false (you gave {given!r}).")
        if not self.choices:
            return given
        for name, value in self.choices:
            if given.lower() in (name.lower(), value.lower()):
                return value
        values = [value for _, value in self.choices]
        hint = did_you_mean(given, values, f"{self.name}:{{}}")
        raise CommandError(
            f"{self.name}:{given} is not a choice of /{command}: pick one of {spoken(values, conjunction='or')}.{hint}"
        )

    def _number(self, command: str, given: str) -> None:
        whole = self.kind == NUMBERS[0]
        kind = "a whole number" if whole else "a number"
        try:
            number = int(given) if whole else float(given)
        except ValueError:
            raise CommandError(f"{self.name}: in /{command} takes {kind} (you gave {given!r}).") from None
        low, high = self.min_value, self.max_value
        if low is not None and high is not None:
            bounds = f"from {low:g} to {high:g}"
        elif low is not None:
            bounds = f"of at least {low:g}"
        elif high is not None:
            bounds = f"of at most {high:g}"
        else:
            return
        if (low is not None and number < low) or (high is not None and number > high):
            raise CommandError(f"{self.name}: in /{command} takes {kind} {bounds} (you gave {given}).")


@dataclass(frozen=True)
class Command:
    path: str  # "lead add"
    description: str
    options: tuple[Option, ...]
    access: Access
    in_dms: bool

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.path}", *(o.usage for o in self.options)])

    @property
    def example(self) -> str:
        """The command with its required options, as a line to copy."""
        parts = [f"/{self.path}"]
        for option in self.options:
            if option.required:
                value = option.choices[0][1] if option.choices else "…"
                parts.append(f"{option.name}:{value}")
        return " ".join(parts)

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        names = [o.name for o in self.options]
        if not names:
            raise CommandError(f"/{self.path} takes no options (you gave {name}:).")
        hint = did_you_mean(name, names, "{}:")
        raise CommandError(f"/{self.path} has no option '{name}'; its options are {spoken(names)}.{hint}")

    def values(self, given: dict[str, str]) -> dict[str, str]:
        """``given`` as a client would send it: every option known, every required one there, choices picked."""
        values = {name: self.option(name).value(self.path, value) for name, value in given.items()}
        missing = [o.name for o in self.options if o.required and o.name not in given]
        if missing:
            shown = [
                f"{o.name}:{_quoted(given[o.name]) if o.name in given else '…'}"
                for o in self.options
                if o.required or o.name in given
            ]
            raise CommandError(f"/{self.path} also needs {spoken(missing)}, like: /{self.path} {' '.join(shown)}")
        return values

    def detail(self) -> list[str]:
        """`help /lead add`: every option with what it takes."""
        lines = [f"/{self.path}: {_with_note(self.description, self.access)}"]
        if not self.options:
            lines.append("  no options")
        width = max((len(o.name) for o in self.options), default=0) + 2
        for option in self.options:
            text = option.description
            if option.choices:
                text += f"; one of {spoken([v for _, v in option.choices], conjunction='or')}"
            if option.suggests:
                text += " (the bot suggests values as you type)"
            kind = "required" if option.required else "optional"
            lines.append(f"  {option.name + ':':<{width}}{kind:<10}{text}")
        lines.append(f"  for example: {self.example}")
        return lines


class Catalog:
    """Every slash command of the bot's tree, by path (``lead add``), and each group's description."""

    def __init__(self, tree: app_commands.CommandTree, guild_id: int) -> None:
        self.commands: dict[str, Command] = {}
        self.groups: dict[str, str] = {}
        here = tree.get_commands(guild=discord.Object(guild_id))
        everywhere = tree.get_commands()
        # The sandbox server's commands, then the DM-capable ones Discord offers everywhere (bot/app.py).
        for top in sorted([*here, *everywhere], key=lambda c: c.name):
            if isinstance(top, app_commands.Command | app_commands.Group):
                contexts = top.allowed_contexts
                in_dms = top in everywhere and (contexts is None or bool(contexts.dm_channel))
                self._add(top, "", Access.MEMBER, in_dms)

    def _add(
        self, command: app_commands.Command | app_commands.Group, prefix: str, inherited: Access, dm: bool
    ) -> None:
        declared = declared_access(command)
        access = inherited if declared is None else declared
        path = f"{prefix}{command.name}"
        if isinstance(command, app_commands.Group):
            self.groups[path] = str(command.description)
            for child in command.commands:
                self._add(child, f"{path} ", access, dm)
            return
        options = tuple(
            Option(
                name=p.name,
                description=str(p.description),
                required=p.required,
                choices=tuple((str(c.name), str(c.value)) for c in p.choices),
                suggests=p.autocomplete,
                kind=p.type.value,
                min_value=p.min_value,
                max_value=p.max_value,
            )
            for p in command.parameters
        )
        self.commands[path] = Command(path, str(command.description), options, access, dm)

    @property
    def top_level(self) -> list[str]:
        return sorted({path.split()[0] for path in self.commands})

    def subcommands(self, group: str) -> list[Command]:
        return [c for path, c in self.commands.items() if path.startswith(group + " ")]

    def resolve(self, words: Sequence[str], *, dm: bool = False) -> Command | str:
        """The command ``words`` name (``["lead", "add"]``), or the group's path when they stop at a group.
        Raises :class:`CommandError` naming the nearest command when they name none."""
        if not words:
            raise CommandError('Say which command, like /lead add partner:"Europeana" level:global direction:external.')
        path = ""
        for word in words:
            wanted = f"{path} {word}".strip()
            if wanted in self.commands:
                command = self.commands[wanted]
                extra = words[len(wanted.split()) :]
                if extra:
                    raise CommandError(
                        f"'{extra[0]}' is not an option of /{wanted}: options are written name:value, and a value "
                        f'with spaces goes in quotes, like partner:"Europeana Foundation".'
                    )
                self._check_dm(wanted, dm)
                return command
            if wanted in self.groups:
                path = wanted
                continue
            if not path:
                hint = did_you_mean(word, self.top_level, "/{}")
                raise CommandError(f"There is no /{word} command.{hint} Type `help` for the list.")
            depth = len(path.split())
            names = list(dict.fromkeys(c.path.split()[depth] for c in self.subcommands(path)))
            hint = did_you_mean(word, names, f"/{path} {{}}")
            raise CommandError(f"/{path} has no subcommand '{word}'; it has {spoken(names)}.{hint}")
        self._check_dm(path, dm)
        return path

    def _check_dm(self, path: str, dm: bool) -> None:
        if dm and not self._in_dms(path.split()[0]):
            here = spoken([f"/{c}" for c in self.top_level if self._in_dms(c)])
            raise CommandError(f"/{path} cannot be used in a DM; there you can use {here}.")

    def _in_dms(self, top: str) -> bool:
        return any(c.in_dms for p, c in self.commands.items() if p.split()[0] == top)

    def group_listing(self, group: str) -> list[str]:
        """What Discord's picker offers after ``/group``: each subcommand with its options."""
        lines = [f"/{group} is a group; pick one of its commands ({self.groups.get(group, '')}):"]
        lines += self._listed(self.subcommands(group))
        return lines

    def listing(self) -> list[str]:
        """`help`: every command with its options."""
        lines = [
            "Slash commands, from the bot's command tree (name:… is required, [name:…] optional; "
            "`help /lead add` tells more about one):"
        ]
        lines += self._listed(self.commands.values())
        return lines

    @staticmethod
    def _listed(commands: Iterable[Command]) -> list[str]:
        lines = []
        for command in commands:
            about = _with_note(command.description, command.access)
            if command.in_dms:
                about += "; also in a DM"
            if len(command.usage) < USAGE_WIDTH:
                lines.append(f"  {command.usage:<{USAGE_WIDTH}} {about}")
            else:
                lines.append(f"  {command.usage}")
                lines.append(f"  {'':<{USAGE_WIDTH}} {about}")
        return lines
