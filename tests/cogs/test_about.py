"""/about: what the bot is for, and the commands the caller's roles allow, server commands included."""

from __future__ import annotations

from bot.sim import Sim
from bot.sim.models import InteractionResult


def listed(r: InteractionResult) -> list[str]:
    assert r.reply is not None and r.ephemeral
    return r.reply.embeds[0]["fields"][0]["value"].split("\n")


async def test_working_group_sees_server_commands(sim: Sim) -> None:
    commands = listed(await sim.slash("about", user="alice"))
    assert {"/lead add", "/checklist start", "/digest send", "/update post", "/feedback review"} <= set(commands)


async def test_a_member_sees_only_what_a_member_may_run(sim: Sim) -> None:
    commands = listed(await sim.slash("about", user="dave"))
    assert {"/lead add", "/lead search", "/feedback give", "/feedback privacy"} <= set(commands)
    assert not {"/checklist start", "/digest send", "/update post", "/feedback review"} & set(commands)


async def test_in_a_dm_the_member_still_learns_the_server_commands(sim: Sim) -> None:
    commands = listed(await sim.slash("about", user="dave", dm=True))
    assert "/lead add" in commands and "/feedback retract" in commands


async def test_about_answers_in_the_callers_language(sim: Sim) -> None:
    r = await sim.slash("about", user="dave", locale="es-ES")
    assert r.reply is not None and "/feedback privacy" in r.reply.embeds[0]["footer"]["text"]
    assert r.reply.embeds[0]["fields"][0]["name"] == "Comandos que puedes usar"
