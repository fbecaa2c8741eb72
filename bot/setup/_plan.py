"""What the setup wizard does with its picks, once every slot has one: warn about a private channel others
can read, create in Discord what is new, or say what to create by hand when the bot may not."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from discord.http import HTTPClient

from bot.services import audience
from bot.setup import _guild
from bot.setup import _text as say
from bot.setup._guild import GuildState
from bot.setup._names import Named, shown
from bot.setup._slots import Slot


@dataclass
class Pick:
    """What a slot got: an existing channel or role, one to create (``new``), or neither (no members role)."""

    slot: Slot
    existing: Named | None = None
    new: str | None = None

    def display(self) -> str:
        if self.existing is not None:
            return shown(self.slot.kind, self.existing.name)
        if self.new is not None:
            return f"{shown(self.slot.kind, self.new)} (new{', private' if self.slot.private else ''})"
        return "none: everyone in the server counts as a member"


def insiders(picks: Mapping[str, Pick]) -> list[int]:
    """The working group's and the reviewers' role ids (those picked or created so far)."""
    chosen = (picks[key].existing for key in ("roles.working_group", "roles.reviewers"))
    return [role.id for role in chosen if role is not None]


def readers(state: GuildState, picks: Mapping[str, Pick]) -> str:
    """Who may read the private channels, in words: the working group's and reviewers' roles and the bot."""
    names = [picks[k].existing or picks[k].new for k in ("roles.working_group", "roles.reviewers")]
    shown_names = [f'"{n.name if isinstance(n, Named) else n}"' for n in names if n is not None]
    return ", ".join(dict.fromkeys(shown_names)) + f" and {state.bot()}"


def exposure_warnings(state: GuildState, picks: Mapping[str, Pick]) -> list[str]:
    """One line for each private channel picked that others can read (or the bot cannot)."""
    lines: list[str] = []
    chosen_insiders = insiders(picks)
    for pick in picks.values():
        if not pick.slot.private or pick.existing is None:
            continue
        for exposure in _guild.exposures(state, pick.slot.key, pick.existing, chosen_insiders):
            where = {"channel": pick.existing.name, "key": pick.slot.key}
            if exposure.problem is audience.Problem.EVERYONE:
                lines.append(say.EXPOSED_EVERYONE.format(readers=readers(state, picks), **where))
            elif exposure.problem is audience.Problem.ROLE:
                lines.append(say.EXPOSED_ROLE.format(role=exposure.who_name, **where))
            elif exposure.problem is audience.Problem.HIDDEN_FROM_BOT:
                lines.append(say.HIDDEN.format(bot=state.bot(), **where))
    return lines


def by_hand(state: GuildState, picks: Mapping[str, Pick], reason: str) -> str:
    """``reason``, then how to create by hand each channel and role that is new."""
    lines = [f"{reason} {say.BY_HAND}"]
    for pick in sorted(picks.values(), key=lambda p: p.slot.kind != "role"):
        if pick.new is None:
            continue
        if pick.slot.kind == "role":
            lines.append(say.HAND_ROLE.format(name=pick.new))
        elif pick.slot.private:
            lines.append(say.HAND_PRIVATE.format(name=pick.new, readers=readers(state, picks)))
        else:
            lines.append(say.HAND_PUBLIC.format(name=pick.new))
    return "\n".join(dict.fromkeys(lines))


async def create(
    http: HTTPClient,
    state: GuildState,
    picks: Mapping[str, Pick],
    *,
    created: list[str],
    out: Callable[[str], None],
) -> None:
    """Create what is new: roles first (the private channels' overwrites name them), then channels; a name
    two slots share is created once. Each is noted in ``created`` as soon as it exists."""
    for kind in ("role", "channel"):
        wanted: dict[str, list[Pick]] = {}
        for pick in picks.values():
            if pick.slot.kind == kind and pick.new is not None:
                wanted.setdefault(pick.new.casefold(), []).append(pick)
        for same in wanted.values():
            name = same[0].new or ""
            if kind == "role":
                made = await _guild.create_role(http, state, name)
            else:
                private = any(p.slot.private for p in same)
                made = await _guild.create_channel(http, state, name, insiders(picks) if private else None)
            created.append(shown(kind, made.name))
            out(f"Created {kind} {shown(kind, made.name)}.")
            for pick in same:
                pick.existing, pick.new = made, None
