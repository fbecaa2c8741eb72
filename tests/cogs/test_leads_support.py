"""Helpers for the `/lead` end-to-end tests (and a check that the helpers see what the bot wrote)."""

from __future__ import annotations

from typing import Any

from bot.config import LeadsSettings
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.service import log_lead
from bot.sim import Sim
from bot.sim.models import InteractionResult
from tests.services.test_leads_support import snapshot

__all__ = ["add_lead", "assert_refused", "lead_of", "move_to", "snapshot"]


async def add_lead(sim: Sim, partner: str = "Europeana", *, user: str = "dave", **options: Any) -> leads.Lead:
    """Log a lead through `/lead add` (summary given, so no form); returns the saved lead."""
    options.setdefault("level", "global")
    options.setdefault("direction", "external")
    options.setdefault("summary", f"About {partner}")
    r = await sim.slash("lead add", user=user, partner=partner, **options)
    assert r.ephemeral and "Logged L-" in r.text, r.text
    ref = r.text.split("Logged ", 1)[1].split(":", 1)[0]
    return await leads.get_lead(sim.db, sim.guild_id, leads.parse_lead_id(ref))


async def service_lead(sim: Sim, partner: str, *, owner: str = "dave", **fields: Any) -> leads.Lead:
    """A lead written straight through the service (setup that is not what a test is about)."""
    fields.setdefault("level", "global")
    fields.setdefault("direction", "external")
    result = await log_lead(
        sim.db,
        sim.guild_id,
        leads.LeadDraft(partner=partner, **fields),
        owner_id=sim.member(owner).id,
        now=sim.clock(),
        settings=LeadsSettings(),
        check_duplicates=False,
    )
    assert result.lead is not None
    return result.lead


async def lead_of(sim: Sim, lead: leads.Lead | int) -> leads.Lead:
    return await leads.get_lead(sim.db, sim.guild_id, lead if isinstance(lead, int) else lead.id)


async def move_to(sim: Sim, lead: leads.Lead, *path: str) -> None:
    """Walk ``lead`` along ``path`` through the service as a reviewer (setup only)."""
    for status in path:
        await leads.transition(
            sim.db,
            sim.guild_id,
            lead.id,
            status,
            actor_id=sim.member("carol").id,
            actor_access=Access.REVIEWER,
            note="A note that is long enough for anything.",
            now=sim.clock(),
        )


async def assert_refused(sim: Sim, r: InteractionResult, before: dict[str, Any], *needles: str) -> None:
    """A refusal: a private answer saying why, and not one row changed."""
    assert r.ephemeral, r
    for needle in needles:
        assert needle in r.text, (needle, r.text)
    assert await snapshot(sim.db) == before


async def test_support_sees_the_bot_database(sim: Sim) -> None:
    lead = await service_lead(sim, "Europeana")
    assert (await lead_of(sim, lead)).partner == "Europeana"
    assert (await snapshot(sim.db))["leads"]
