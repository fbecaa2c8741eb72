"""The leads benchmark runs (tiny sizes, so the test is quick) and its seeder fills what it promises."""

from __future__ import annotations

from bench.bench_leads import bench_leads, seed_leads
from bot.config import LeadsSettings
from bot.db import Database
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.cards import pending_cards
from bot.services.leads.search import search_leads
from tests.services.test_leads_support import GUILD, NOW


async def test_seed_leads_fills_leads_aliases_events_and_search(db: Database) -> None:
    service = leads.LeadsService(db, GUILD, LeadsSettings(), lambda: NOW)
    ids = await seed_leads(db, GUILD, 300, NOW, names=service.names)
    assert len(ids) == 300
    assert await db.fetchval("SELECT count(*) FROM leads WHERE guild_id = ?", (GUILD,)) == 300
    assert await db.fetchval("SELECT count(*) FROM lead_events WHERE kind = 'created'") == 300
    assert await db.fetchval("SELECT count(*) FROM lead_aliases") > 0
    assert await db.fetchval("SELECT count(*) FROM leads_fts") == 300
    assert await pending_cards(db, GUILD) == []  # seeded cards count as posted
    index = service.names.index
    assert index is not None and len(index) >= 300  # primed: the first /lead add does not build it
    first = await service.get(ids[0])
    found = await service.duplicates(first.partner)
    assert service.names.index is index  # and used as it is
    assert first.id in {d.lead_id for d in found}
    hits = await search_leads(db, GUILD, "museum", viewer_id=1, viewer_access=Access.WORKING_GROUP)
    assert hits
    more = await seed_leads(db, GUILD, 10, NOW)
    assert more.start == ids.stop


async def test_bench_runs_and_reports_every_figure() -> None:
    result = await bench_leads((50, 200), runs=5)
    assert [row["leads"] for row in result["sizes"]] == [50, 200]
    for key in ("add_p99_ms", "search_p99_ms", "show_median_ms", "show_again_median_ms", "noop_median_ms"):
        assert all(row[key] > 0 for row in result["sizes"]), key
    assert {"add_p99_ok", "add_growth_ok", "search_p99_ok", "show_vs_noop_ok", "ok"} <= set(result)
