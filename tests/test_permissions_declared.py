"""Who may do what is declared once, where a command or component is defined (bot/ui/permissions.py), and
that declaration is both the check and what `/about` lists: every command and persistent item declares a
level, no cog checks a role by hand, and every declared level is enforced before the handler runs."""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.cogs.about._cog import visible_commands
from bot.i18n import t
from bot.services.access import Access
from bot.sim import Sim
from bot.ui.permissions import declared_access
from bot.ui.views import GuardedDynamicItem
from tests.reliability.conftest import assert_clear_refusal, changed_tables, dump, service_lead, watch

REPO = Path(__file__).resolve().parents[1]
Leaf = app_commands.Command[Any, ..., Any]


def tops(sim: Sim) -> list[Any]:
    return [*sim.bot.tree.get_commands(), *sim.bot.tree.get_commands(guild=discord.Object(sim.guild_id))]


def leaves(sim: Sim) -> list[Leaf]:
    found: list[Leaf] = []
    stack = tops(sim)
    while stack:
        command = stack.pop()
        if isinstance(command, app_commands.Group):
            stack.extend(command.commands)
        else:
            found.append(command)
    return sorted(found, key=lambda c: c.qualified_name)


def needed(command: Leaf) -> Access:
    level = declared_access(command)
    assert level is not None, command.qualified_name
    return level


def name_of(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


async def test_every_command_declares_the_level_it_enforces(sim: Sim) -> None:
    commands = leaves(sim)
    assert len(commands) > 20, [c.qualified_name for c in commands]
    assert [f"/{c.qualified_name}" for c in commands if declared_access(c) is None] == []
    # The declaration is the only record of it: an ``extras["access"]`` would be listed and not enforced.
    everything: list[Any] = [*commands, *(c for c in tops(sim) if isinstance(c, app_commands.Group))]
    assert [c.qualified_name for c in everything if "access" in c.extras] == []
    # What /about lists for a level is what that level may run.
    for level in Access:
        listed = visible_commands(sim.bot.tree, level, discord.Object(sim.guild_id))
        allowed = [f"/{c.qualified_name}" for c in commands if level >= needed(c)]
        assert listed == sorted(allowed), level


async def test_every_persistent_item_declares_its_level(sim: Sim) -> None:
    registered = set(sim.bot.persistent_items)
    assert registered
    # Every persistent component class the bot defines is registered (by name: a cog's module is imported
    # again by each bot started), and each says who may press it.
    defined = {name_of(cls) for cls in subclasses(GuardedDynamicItem) if cls.__module__.startswith("bot.")}
    assert sorted(defined - {name_of(cls) for cls in registered}) == []
    undeclared = [
        cls.__name__
        for cls in registered
        if not any("access" in vars(base) for base in cls.__mro__ if base is not GuardedDynamicItem)
        or not isinstance(getattr(cls, "access", None), Access)
    ]
    assert undeclared == []


def test_no_cog_checks_a_role_by_hand() -> None:
    """``require(...)`` belongs in services (a rule of the domain), not in a cog's handler: there the
    command's or component's declaration checks."""
    offenders = []
    for path in sorted((REPO / "bot" / "cogs").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                named = node.func.id
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                named = node.func.attr
            elif isinstance(node, ast.ImportFrom) and any(alias.name == "require" for alias in node.names):
                named = "require"
            if named == "require":
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def _filled(sim: Sim, path: str) -> dict[str, Any]:
    """A value for each required option of ``/path`` (the check refuses before any is read)."""
    first, *rest = path.split()
    node = next(c for c in sim.synced_commands if c["name"] == first)
    for name in rest:
        node = next(o for o in node.get("options") or [] if o["name"] == name)
    values: dict[str, Any] = {}
    for option in node.get("options") or []:
        if not option.get("required"):
            continue
        if option.get("choices"):
            values[option["name"]] = option["choices"][0]["value"]
        elif option["type"] in (4, 10):
            values[option["name"]] = option.get("min_value") or 1
        elif option["type"] == 5:
            values[option["name"]] = False
        else:
            values[option["name"]] = "L-1"
    return values


async def test_every_command_refuses_whoever_is_below_its_level(
    sim_factory: Callable[..., Awaitable[Sim]],
) -> None:
    """Each command, run by someone one level short: a private refusal naming what is needed, nothing
    stored, nothing unexpected logged."""
    sim = await sim_factory(config={"roles": {"members": "members"}})
    sim.add_member("visitor")
    sim.add_member("member", roles=("members",))
    short_of = {Access.MEMBER: "visitor", Access.WORKING_GROUP: "member", Access.REVIEWER: "alice"}
    with watch() as problems:
        tried = 0
        for command in leaves(sim):
            level = declared_access(command)
            assert level is not None
            if level is Access.NONE:
                continue
            path = command.qualified_name
            before = await dump(sim.db)
            r = await sim.slash(path, user=short_of[level], options=_filled(sim, path))
            if path == "feedback give":  # names the server rather than a role
                assert "member" in assert_clear_refusal(r).lower(), r.text
            else:
                assert_clear_refusal(r, t("en", f"error.needs_role.{level.name.lower()}"))
            assert changed_tables(before, await dump(sim.db)) == [], path
            tried += 1
        assert tried > 15
        problems.check()


async def test_a_form_checks_its_level_when_it_comes_back(sim: Sim) -> None:
    """A working-group form submitted by a plain member (its id known) is refused, and nothing is posted."""
    with watch() as problems:
        opened = await sim.slash("update post", user="alice")
        assert opened.modal is not None, opened
        before = await dump(sim.db)
        posts = len(sim.channel("announcements").messages)
        r = await sim.submit(opened.modal, {"title": "Not mine", "body": "Posted by someone else"}, user="dave")
        assert_clear_refusal(r, t("en", "error.needs_role.working_group"))
        assert changed_tables(before, await dump(sim.db)) == []
        assert len(sim.channel("announcements").messages) == posts
        ok = await sim.submit(opened.modal, {"title": "Mine", "body": "Posted by the working group"}, user="alice")
        assert "can do that" not in ok.text and changed_tables(before, await dump(sim.db))
        problems.check()


async def test_a_button_checks_its_level_at_the_press(sim: Sim) -> None:
    """*Add as a note* on the duplicate prompt, pressed after its owner left the working group: refused."""
    with watch() as problems:
        await service_lead(sim, "Europeana", owner="alice")
        r = await sim.slash(
            "lead add", user="alice", partner="Europeana Foundation", level="global", direction="external", summary="x"
        )
        assert r.reply is not None, r
        label = next(b for b in r.reply.buttons if b.startswith("Add as a note"))
        sim.member("alice").role_ids.clear()  # no longer in the working group
        before = await dump(sim.db)
        refused = await sim.click(r.reply, label, user="alice")
        assert_clear_refusal(refused, t("en", "error.needs_role.working_group"))
        assert changed_tables(before, await dump(sim.db)) == []
        problems.check()


async def test_edit_what_you_typed_checks_membership_at_the_press(
    sim_factory: Callable[..., Awaitable[Sim]],
) -> None:
    """The button that reopens a refused `/lead add` form needs what `/lead add` needs: pressed by someone
    who has stopped being a member since, it is refused privately, and no form opens."""
    sim = await sim_factory(config={"roles": {"members": "members"}})
    sim.add_member("member", roles=("members",))
    with watch() as problems:
        refused = await sim.slash(
            "lead add", user="member", partner="Europeana", level="global", direction="external",
            summary="Open access to cultural heritage", link="europeana.eu",
        )  # fmt: skip
        assert refused.reply is not None and "Edit what you typed" in refused.reply.buttons, refused
        sim.member("member").role_ids.clear()  # no longer a member
        before = await dump(sim.db)
        pressed = await sim.click(refused.reply, "Edit what you typed", user="member")
        assert pressed.modal is None
        assert_clear_refusal(pressed, t("en", "error.needs_role.member"))
        assert changed_tables(before, await dump(sim.db)) == []
        problems.check()
