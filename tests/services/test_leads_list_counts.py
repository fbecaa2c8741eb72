"""/lead list keeps its count between calls only until anything is written."""

from __future__ import annotations

from bot.sim import Sim


async def _add(sim: Sim, partner: str, **options: str) -> None:
    r = await sim.slash(
        "lead add", user="alice", partner=partner, level="local", direction="external", summary="x", **options
    )
    assert r.reply is not None and "Logged" in r.reply.content, r.text


async def test_the_count_follows_every_write(sim: Sim) -> None:
    for name in ("Alder Trust", "Birch Archive", "Cedar Museum"):
        await _add(sim, name, sector="GLAM")
    first = await sim.slash("lead list", user="alice", sector="GLAM")
    again = await sim.slash("lead list", user="alice", sector="GLAM")
    assert first.reply is not None and again.reply is not None
    assert "3" in first.reply.embeds[0]["title"] and again.reply.embeds[0]["title"] == first.reply.embeds[0]["title"]
    assert any(key[1][-1] == "GLAM" for key in sim.bot.services.leads.kept.counts)  # kept between the two

    await _add(sim, "Dogwood Library", sector="GLAM")  # any write: counted again
    after = await sim.slash("lead list", user="alice", sector="GLAM")
    assert after.reply is not None and "4" in after.reply.embeds[0]["title"]
    assert "Dogwood Library" in after.reply.embeds[0]["description"]
    moved = await sim.slash("lead move", user="alice", lead="L-4", status="withdrawn", note="Not for us after all")
    assert moved.ephemeral
    logged = await sim.slash("lead list", user="alice", status="logged", sector="GLAM")
    assert logged.reply is not None and "3" in logged.reply.embeds[0]["title"]
