"""A lead at every field's maximum, markdown-heavy, still fits Discord's 6,000 characters per message:
on its card in the leads channel, on the review card and in `/lead show`, which say what was shortened.
bot/sim refuses anything over the limit, so a message that does not fit fails these tests."""

from __future__ import annotations

from bot.config import LeadsSettings
from bot.services import leads
from bot.services.leads.model import ALIASES_MAX, CONTACT_MAX, ENTITY_MAX, NOTE_MAX, PARTNER_MAX, TEXT_MAX
from bot.services.leads.pipeline import add_flags
from bot.services.leads.service import log_lead
from bot.sim import Sim
from bot.ui.embeds import EMBED_TOTAL_LIMIT

#: Every character of it is escaped for display, which doubles its length.
MARKDOWN = "a*_~`|[]\\"


def longest(size: int) -> str:
    return (MARKDOWN * size)[:size]


async def largest_lead(sim: Sim) -> leads.Lead:
    draft = leads.LeadDraft(
        partner=longest(PARTNER_MAX),
        level="global",
        direction="external",
        sector="civil society",
        tier="co-creative",
        entity=longest(ENTITY_MAX),
        summary=longest(TEXT_MAX),
        offer=longest(TEXT_MAX),
        ask=longest(TEXT_MAX),
        contact=longest(CONTACT_MAX),
        link="https://example.org/" + "a" * 470,
        aliases=tuple(f"{i:02d}" + longest(60) for i in range(ALIASES_MAX)),
        visibility="public",
    )
    now = sim.clock()
    result = await log_lead(
        sim.db, sim.guild_id, draft, owner_id=sim.member("dave").id, now=now, settings=LeadsSettings()
    )
    assert result.lead is not None
    flags = [leads.Flag(source=f"q{i}", severity="high", message=longest(300)) for i in range(6)]
    await add_flags(sim.db, sim.guild_id, result.lead.id, flags, actor_id=None, now=now)
    for _ in range(12):
        await leads.add_note(sim.db, sim.guild_id, result.lead.id, longest(NOTE_MAX), actor_id=None, now=now)
    return await leads.get_lead(sim.db, sim.guild_id, result.lead.id)


def total(message) -> int:  # type: ignore[no-untyped-def]
    return sum(
        len(e.get("title") or "")
        + len(e.get("description") or "")
        + len((e.get("footer") or {}).get("text") or "")
        + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields") or [])
        for e in message.embeds
    )


async def test_show_of_the_largest_lead_fits_and_says_it_was_shortened(sim: Sim) -> None:
    lead = await largest_lead(sim)
    r = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert r.reply is not None and sim.server.violations == []
    assert total(r.reply) <= EMBED_TOTAL_LIMIT
    assert "shortened to fit in Discord" in r.text
    assert "History" in r.text and "Notes" in r.text


async def test_the_card_of_the_largest_lead_is_posted_once_and_fits(sim: Sim) -> None:
    lead = await largest_lead(sim)
    await sim.tick()
    await sim.tick()
    (card,) = sim.channel("leads").messages
    assert total(card) <= EMBED_TOTAL_LIMIT and lead.ref in card.text
    assert "shortened to fit in Discord" in card.text
    assert sim.server.violations == []


async def test_a_short_lead_is_not_marked_shortened(sim: Sim) -> None:
    r = await sim.slash(
        "lead add", user="dave", partner="Europeana", level="global", direction="external", summary="Hi"
    )
    assert "Logged" in r.text
    shown = await sim.slash("lead show", user="alice", lead="L-1")
    assert "shortened" not in shown.text
